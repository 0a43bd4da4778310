"""GraphQL subscriptions (graphql-transport-ws over a websocket on /graphql): live wallet, transaction and event updates."""

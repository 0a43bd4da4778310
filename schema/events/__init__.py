"""The event feed: the outbox replayed through GraphQL (events), and the one payload-to-wire conversion."""

"""The query GraphiQL opens with, so a first visit has something to run."""

EXAMPLE_QUERY = """# Qianbao partner API
#
# 1. Get a token (client credentials, valid 10 minutes):
#      curl -s -X POST http://127.0.0.1:8000/oauth/token \\
#        -d grant_type=client_credentials -d client_id=ID -d client_secret=SECRET
#    (`qianbao demo` prints a ready pair.)
# 2. Open the Headers tab below and paste:
#      {"Authorization": "Bearer <access_token>"}
# 3. Press the run button.

query FirstLook {
  viewer { kind clientId scopes partner { name } }
  customers(first: 5) {
    edges {
      node {
        id
        displayName
        wallets(first: 3) {
          nodes {
            id
            currency
            balance { amount currency }
            transactions(first: 3) {
              nodes { kind amount { amount currency } createdAt }
            }
          }
        }
      }
    }
  }
}
"""

"""The query GraphiQL opens with, so a first visit has something to run."""

EXAMPLE_QUERY = """# Qianbao partner API
#
# 1. Set a token in the bar above: paste one, or
#    enter a client_id and client_secret and press
#    "Get token" (`qianbao demo` prints a pair).
#    Docs and autocomplete load once it is set.
# 2. Press the run button (or Ctrl-Enter).
#
# The same with curl: open "curl" in the bar.

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

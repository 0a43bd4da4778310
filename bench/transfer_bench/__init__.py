"""The pieces of the transfers benchmark; `python bench/transfers.py` is the command line.

  settings      constants: project root, currency, seed balance, target ratio, the mutation
  http_client   the minimal keep-alive HTTP/1.1 client (and a GraphQL session for set-up)
  server        `qianbao` CLI commands and `qianbao serve` as subprocesses
  database      PostgreSQL URLs, CHECKPOINT between runs, dropping the benchmark database
  prepare       migrations, the bench partner, its token, the seeded wallets
  results       what a run measured, the measured window, pooling of rounds
  cpu           CPU seconds per party from /proc
  api_run       the client loop every run uses (run_ops), and the transfer API run
  baseline_run  the raw-SQL baseline run (asyncpg)
  pgwire        the wire-protocol relay that counts SQL round trips
  round_trips   round trips of one transfer, API and baseline
  report        the printed report and the --json-out figures
  verify        stored transfers against the clients' count, `qianbao ledger verify`
  money_paths   --all-paths set-up: a points programme, coupons and points for the payers, USD wallets
  path_runs     --all-paths operations: coupon (+points) payments, FX conversions, batch transfers
  plain_asgi    the API plus plain JSON routes (`serve --app`), to measure the GraphQL layer alone
  plain_runs    --all-paths: transferCreate and a 100-wallet read through /graphql and through the plain routes
  all_paths     --all-paths: the extra runs of each round, the one table of every path, the counts by kind
  pg_stats      what PostgreSQL did in a window: seq scans per table, costliest statements (pg_stat_statements)
  run           one benchmark from start to finish
  payments      --payments: the merchants, the payments run alternating with the transfer run, their report
  interleaved_run --payments: transfers and payments in short A B B A slices on one server, their ratio
"""

"""The pieces of the transfers benchmark; `python bench/transfers.py` is the command line.

  settings      constants: project root, currency, seed balance, target ratio, the mutation
  http_client   the minimal keep-alive HTTP/1.1 client (and a GraphQL session for set-up)
  server        `qianbao` CLI commands and `qianbao serve` as subprocesses
  database      PostgreSQL URLs, CHECKPOINT between runs, dropping the benchmark database
  prepare       migrations, the bench partner, its token, the seeded wallets
  results       what a run measured, the measured window, pooling of rounds
  cpu           CPU seconds per party from /proc
  api_run       the API run (transferCreate over HTTP)
  baseline_run  the raw-SQL baseline run (asyncpg)
  pgwire        the wire-protocol relay that counts SQL round trips
  round_trips   round trips of one transfer, API and baseline
  report        the printed report and the --json-out figures
  verify        stored transfers against the clients' count, `qianbao ledger verify`
  run           one benchmark from start to finish
"""

"""`python -m api.cli`: the `qianbao` command without the console script."""

import sys

from api.cli.parser import main

sys.exit(main())

from correspondence.cli import main

raise SystemExit(main())

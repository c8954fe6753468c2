from pipelines.ingest.run import main

raise SystemExit(main())

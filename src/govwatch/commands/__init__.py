"""The command line (top layer: parse, call the pipeline and the layers below, print).

One module per command group, none importing another; what they share is in ``common``:

    main               the entry point (``govwatch``): the parser of every group, exit codes
    common             console, usage errors, exit codes, settings and the store from --config/--db,
                       JSON and report writing, crawl progress, the verdict line
    site_inspection    inspect
    page_extract       extract
    deadline_warnings  warnings
    demo               demo
    simulator          sim serve, sim export
    site_availability  probe, monitor
    run_scoring        score, rules, finding, diff, bulletin
    site_registry      sites, filing
"""

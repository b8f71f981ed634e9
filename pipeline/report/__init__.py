"""The report layer: from the indicators to the Dutch report (HTML and PDF).

Read in this order; each module imports only those above it:

- :mod:`~pipeline.report.settings`: the report's identity, knowledge questions and texts (``config/report.yaml``);
- :mod:`~pipeline.report.tables`: Markdown tables, the one suppression rule, lookups in the indicator tables;
- :mod:`~pipeline.report.numbered`: one function per numbered table, and the registry ``TABLES``;
- :mod:`~pipeline.report.text`: the researchers' texts and the breakdowns a sentence may name;
- :mod:`~pipeline.report.context`: everything the template needs;
- :mod:`~pipeline.report.render`: Quarto, or pandoc + Typst, to HTML and PDF;
- :mod:`~pipeline.report.stage`: the report stage; :mod:`~pipeline.report.figures`: the figures stage.
"""

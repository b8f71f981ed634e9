"""Synthetic demo exports: a complete raw export folder in the contract's format.

Read in this order:

- :mod:`pipeline.demo.settings`: what shapes the export: the configuration folder's ``demo.yaml``
  (years, sizes, how often each answer occurs) and the invented people and texts (``people.yaml``);
- :mod:`pipeline.demo.simulation`: the invented cases and the rows of every form they produce;
- :mod:`pipeline.demo.planted`: the mess real exports carry, planted on purpose;
- :mod:`pipeline.demo.export`: the rows written as files in every format, the folder's README
  (``README.md.j2``), its own pseudonymisation key and the sha256 of every file;
- :mod:`pipeline.demo.writers`: xlsx, Dutch csv and ``.sav`` writers (also used by the tests).

The same arguments give the same bytes, so the committed ``data/demo`` folder can be regenerated
and compared. Every person is invented.
"""

from pipeline.demo.export import DemoSummary, write_demo_export
from pipeline.demo.settings import DemoSettings, load_demo_settings, parse_years

__all__ = ["DemoSettings", "DemoSummary", "load_demo_settings", "parse_years", "write_demo_export"]

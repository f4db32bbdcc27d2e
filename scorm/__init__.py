"""Package formats: SCORM 1.2 / 2004 4th ed. / cmi5 / IMS Common Cartridge export, validation and safe import.

Imports courses/ and xapi/ only; the Flask app (lti_tool) wires the CLI and web pages on top.
"""

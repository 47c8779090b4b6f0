"""Connected's Pelican plugins, one package each (listed in PLUGINS in pelicanconf.py).

Pelican loads each one by its own name from PLUGIN_PATHS (`newsletter`, not
`plugins.newsletter`); this file only makes the directory a package that
`pip install -e .` installs, so scripts and tests import them as `plugins.<name>`.
"""

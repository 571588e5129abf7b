"""Compiles locale/*/LC_MESSAGES/django.po into .mo files with polib.

Pure Python on purpose: `manage.py compilemessages` needs GNU gettext, which a fresh machine
or a slim container may not have. The .mo files are build output and are not committed.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]

for po_path in sorted(ROOT.glob("locale/*/LC_MESSAGES/*.po")):
    polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"compiled {po_path.relative_to(ROOT)}")

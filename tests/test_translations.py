"""English, Spanish and Portuguese: the company's default language, a user's own override, and
no untranslated string left behind."""

from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("language", ["es", "pt"])
def test_every_string_is_translated(language):
    po = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))

    missing = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]

    assert not missing, (
        f"Run `manage.py makemessages -l es -l pt --no-obsolete` and translate: {missing[:5]}"
    )


def test_the_sign_in_page_follows_the_browser_language(db):
    spanish = Client(HTTP_ACCEPT_LANGUAGE="es").get(reverse("accounts:login")).content.decode()
    portuguese = (
        Client(HTTP_ACCEPT_LANGUAGE="pt-BR").get(reverse("accounts:login")).content.decode()
    )

    assert "Iniciar sesión" in spanish and "¿Olvidaste tu contraseña?" in spanish
    assert "Esqueceu a senha?" in portuguese


def test_the_company_default_language_applies_after_sign_in(bob_client, tenant_a):
    tenant_a.default_language = "pt"
    tenant_a.save()

    page = bob_client.get(reverse("inbox")).content.decode()

    assert "Caixa de entrada" in page and "Minhas" in page


def test_a_users_own_language_overrides_the_company(bob, bob_client, tenant_a):
    tenant_a.default_language = "pt"
    tenant_a.save()

    bob_client.post(reverse("accounts:set_language"), {"language": "es", "next": "/inbox/"})

    bob.refresh_from_db()
    assert bob.language == "es"
    assert "Bandeja de entrada" in bob_client.get(reverse("inbox")).content.decode()

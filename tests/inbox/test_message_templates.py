"""Meta's template list entries read into our own shape: the body and how many values a send
must give it, the components without Meta's keys, Meta's other statuses as OTHER."""

from inbox.channels.whatsapp.message_templates import (
    TemplateButton,
    TemplateComponent,
    read_template,
    read_template_status,
)

# Meta's example list entry (reference §8.7).
ORDER_SHIPPED = {
    "name": "order_shipped",
    "parameter_format": "POSITIONAL",
    "language": "pt_BR",
    "status": "APPROVED",
    "category": "UTILITY",
    "id": "1387372356726668",
    "components": [
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["https://cdn/x"]}},
        {
            "type": "BODY",
            "text": "Olá {{1}}! Seu pedido {{2}} de {{3}} foi enviado e chega em {{4}}.",
            "example": {"body_text": [["Ana", "4411", "R$ 149,90", "20 de junho"]]},
        },
        {"type": "FOOTER", "text": "Acme Store"},
        {
            "type": "BUTTONS",
            "buttons": [
                {
                    "type": "URL",
                    "text": "Rastrear pedido",
                    "url": "https://shop.example.com/track/{{1}}",
                    "example": ["https://shop.example.com/track/4411"],
                },
                {"type": "QUICK_REPLY", "text": "Falar com atendente"},
            ],
        },
    ],
}


def test_a_listed_template_reads_into_our_shape():
    info = read_template(ORDER_SHIPPED)

    assert info.graph_id == "1387372356726668"
    assert (info.name, info.language, info.category) == ("order_shipped", "pt_BR", "UTILITY")
    assert info.status == "APPROVED"
    assert info.body_text.startswith("Olá {{1}}!") and info.body_param_count == 4
    assert info.components == (
        TemplateComponent(kind="header", format="image"),
        TemplateComponent(kind="body", text=ORDER_SHIPPED["components"][1]["text"]),
        TemplateComponent(kind="footer", text="Acme Store"),
        TemplateComponent(
            kind="buttons",
            buttons=(
                TemplateButton(
                    kind="url", text="Rastrear pedido", url="https://shop.example.com/track/{{1}}"
                ),
                TemplateButton(kind="quick_reply", text="Falar com atendente"),
            ),
        ),
    )
    assert info.components_as_json()[2] == {
        "kind": "footer",
        "text": "Acme Store",
        "format": "",
        "buttons": [],
    }


def test_body_variables_are_counted_positional_or_named_and_only_in_the_body():
    def count(components):
        return read_template({"name": "t", "language": "en", "components": components})

    assert count([{"type": "BODY", "text": "Hi {{first_name}} on {{date}}"}]).body_param_count == 2
    assert count([{"type": "BODY", "text": "{{1}} and {{1}} again"}]).body_param_count == 1
    header_only = count([{"type": "HEADER", "format": "TEXT", "text": "{{1}}"}])
    assert (header_only.body_text, header_only.body_param_count) == ("", 0)


def test_an_entry_without_components_has_an_empty_body():
    info = read_template({"name": "login_code", "language": "en_US", "status": "PENDING"})

    assert info.components == () and info.body_text == "" and info.status == "PENDING"


def test_an_entry_that_names_no_template_is_not_read():
    assert read_template({"language": "en"}) is None
    assert read_template({"name": "t"}) is None
    assert read_template(["not", "an", "object"]) is None


def test_statuses_the_product_does_not_tell_apart_are_other():
    assert read_template_status("PAUSED") == "PAUSED"
    for meta_only in ("FLAGGED", "IN_APPEAL", "PENDING_DELETION", ""):
        assert read_template_status(meta_only) == "OTHER"

"""What the customer phone page sends in (text, photo, location, replies, reactions)."""

from django import forms

PHONE_KINDS = [
    ("text", "Text"),
    ("image", "Photo"),
    ("location", "Location"),
    ("button_reply", "Button reply"),
    ("list_reply", "List reply"),
    ("button", "Template quick reply"),
    ("reaction", "Reaction"),
]

PHOTO_TYPES = ("image/jpeg", "image/png")


class InboundForm(forms.Form):
    number = forms.CharField(max_length=32)
    wa_id = forms.RegexField(regex=r"^\d{7,15}$", max_length=15)
    name = forms.CharField(max_length=200, required=False)
    kind = forms.ChoiceField(choices=PHONE_KINDS)
    text = forms.CharField(max_length=4096, required=False)
    photo = forms.FileField(required=False)
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    place = forms.CharField(max_length=200, required=False)
    # "<id>|<title>" of the tapped button or row, and the business message it answers.
    option = forms.CharField(max_length=500, required=False)
    reply_to = forms.CharField(max_length=255, required=False)
    emoji = forms.CharField(max_length=16, required=False)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "text" and not data.get("text"):
            self.add_error("text", "Write a message.")
        photo = data.get("photo")
        if kind == "image" and not photo:
            self.add_error("photo", "Choose a photo.")
        elif kind == "image" and photo.content_type not in PHOTO_TYPES:
            self.add_error("photo", "Choose a JPEG or PNG photo.")
        if kind == "location" and (data.get("latitude") is None or data.get("longitude") is None):
            self.add_error("latitude", "Give latitude and longitude.")
        if kind in ("button_reply", "list_reply", "button") and "|" not in data.get("option", ""):
            self.add_error("option", "Choose an option.")
        if kind == "reaction" and not data.get("reply_to"):
            self.add_error("reply_to", "Choose the message to react to.")
        return data

    def inbound_arguments(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        args: dict = {"wa_id": data["wa_id"], "name": data.get("name", ""), "kind": kind}
        if kind == "text":
            args["text"] = data["text"]
        elif kind == "image":
            photo = data["photo"]
            args.update(
                content=photo.read(),
                mime_type=photo.content_type or "image/jpeg",
                filename=photo.name,
                caption=data.get("text", ""),
            )
        elif kind == "location":
            args.update(latitude=data["latitude"], longitude=data["longitude"])
            if data.get("place"):
                args["place_name"] = data["place"]
        elif kind in ("button_reply", "list_reply", "button"):
            option_id, _, title = data["option"].partition("|")
            if kind == "button":
                args.update(payload=option_id, text=title)
            else:
                args.update(reply_id=option_id, title=title)
            if data.get("reply_to"):
                args["reply_to"] = data["reply_to"]
        elif kind == "reaction":
            args.update(message_id=data["reply_to"], emoji=data.get("emoji", ""))
        return args

"""Forms of the template pages; they only shape input, the services check and write."""

from django import forms


class TemplateSendForm(forms.Form):
    """An approved template and its variables, in order (`param-<template id>` repeated)."""

    template = forms.IntegerField()

    def params(self) -> list[str]:
        return self.data.getlist(f"param-{self.cleaned_data['template']}")

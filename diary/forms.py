from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout, Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from diary.models import Episode, Rating

PAIN_CHOICES = [(value, str(value)) for value in range(11)]
RELIEF_CHOICES = [(value, f"{value} %") for value in range(0, 101, 10)]
PAIN_ANCHORS = {0: _("No pain"), 10: _("Worst pain imaginable")}


class PainField(forms.TypedChoiceField):
    """The 11-point Numeric Rating Scale, as one group of eleven large radio buttons."""

    widget = forms.RadioSelect

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Tap a number from 0 to 10 for your pain."),
                "invalid_choice": _("Pain is a whole number from 0 (no pain) to 10."),
            },
        )
        super().__init__(choices=PAIN_CHOICES, coerce=int, **kwargs)


def pain_scale(name):
    return Field(name, template="diary/forms/pain_scale.html")


def relief_scale(name):
    return Field(name, template="diary/forms/relief_scale.html")


class BaselineForm(forms.ModelForm):
    baseline_pain = PainField(
        label=_("Your usual pain during that activity"),
        help_text=_("0 = No pain, 10 = Worst pain imaginable"),
    )

    class Meta:
        model = Episode
        fields = ["provoking_activity", "baseline_pain"]
        labels = {"provoking_activity": _("Which activity usually brings on your pain?")}
        help_texts = {
            "provoking_activity": _("For example: standing up from a chair, walking, bending.")
        }

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provoking_activity"].required = True
        self.fields["provoking_activity"].widget.attrs["autocomplete"] = "off"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "provoking_activity",
            pain_scale("baseline_pain"),
            Submit("save", submit_label or _("Save my usual pain"), css_class="btn-lg w-100 mt-2"),
        )

    def clean_provoking_activity(self):
        activity = self.cleaned_data["provoking_activity"].strip()
        if not activity:
            raise forms.ValidationError(_("Say which activity brings on the pain."))
        return activity


class RatingForm(forms.ModelForm):
    """A diary entry; which prompt it answers and when it was felt are set by the view."""

    pain = PainField(label=_("Your pain right now"))
    relief = forms.TypedChoiceField(
        label=_("How much relief do you feel?"),
        help_text=_("Compared with your usual pain before the injection."),
        choices=RELIEF_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Relief is 0 to 100 % in steps of 10.")},
    )

    class Meta:
        model = Rating
        fields = [
            "pain",
            "relief",
            "analgesic",
            "analgesic_name",
            *Rating.SIDE_EFFECTS,
            "ice_heat",
            "note",
        ]
        labels = {
            "analgesic": _("I took pain medicine since my last entry"),
            "fever_redness": _("Fever, redness or drainage at the injection site"),
        }
        widgets = {
            "ice_heat": forms.RadioSelect,
            "note": forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        }

    def __init__(self, *args, daily=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pain"].label = _("Your pain today") if daily else _("Your pain right now")
        self.fields["note"].required = False
        self.fields["analgesic_name"].widget.attrs["autocomplete"] = "off"
        fields = [
            pain_scale("pain"),
            relief_scale("relief"),
            Field("analgesic", wrapper_class="big-check"),
            "analgesic_name",
            Fieldset(
                _("Anything else? (tick all that apply)"),
                *[
                    Field(name, wrapper_class="big-check")
                    for name in Rating.SIDE_EFFECTS
                    if name != "fever_redness"
                ],
                Field(
                    "fever_redness",
                    wrapper_class="big-check red-flag",
                    template="diary/forms/red_flag.html",
                ),
            ),
        ]
        if daily:
            fields.append(Field("ice_heat", wrapper_class="big-check"))
        else:
            del self.fields["ice_heat"]
        fields.append("note")
        fields.append(Submit("save", _("Save"), css_class="btn-lg w-100 mt-3"))
        self.helper = FormHelper()
        self.helper.layout = Layout(*fields)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("analgesic_name", "").strip() and not cleaned.get("analgesic"):
            # Naming a medicine says it was taken.
            cleaned["analgesic"] = True
        if not cleaned.get("analgesic"):
            cleaned["analgesic_name"] = ""
        return cleaned


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocapitalize="none", autocorrect="off")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "username", "password", Submit("sign_in", _("Sign in"), css_class="btn-lg w-100")
        )

"""How a reply went out, as the person recording it reads it → the service's channel (asked
by Case → Record dispatch… and by the draft editor)."""

DISPATCH_CHOICES = {
    "By post": "post",
    "By email": "email",
    "By hand (delivered in person)": "hand",
}

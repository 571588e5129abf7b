"""The MFA devices, as a django-otp plugin whose secrets are not readable from the database.

What django-otp 1.7 permits: its TOTPDevice keeps the seed as a plain hex column
(`key`, CharField(80) with a hex validator) and its StaticToken keeps each backup code as
plain text, matched with `token_set.filter(token=...)`. Neither has an abstract base, a
custom-field setting or an encryption hook (the OTP_TOTP_* settings are only sync, issuer,
image and throttle factor), and subclassing a concrete model adds a table beside the plain
one. What it does permit is a plugin of our own: any subclass of `django_otp.models.Device`
in an installed app takes part in `match_token`, `user_has_device`, `django_otp.login` and
the persistent ids kept in sessions. So:

- `EncryptedTOTPDevice` has TOTPDevice's fields with the seed in an EncryptedTextField
  (Fernet, FIELD_ENCRYPTION_KEY, as channel secrets) and borrows TOTPDevice's own
  verification (drift, replay guard via last_t, throttling), QR URL and throttle factor;
- `BackupCodeDevice` keeps each single-use code as an HMAC-SHA256 keyed by SECRET_KEY (a
  40-bit code hashed without a key would fall to brute force from a stolen dump), compared
  in constant time.

django-otp's own plugins stay installed for their migration history only: migration 0001
moved their rows here, and no code writes them.
"""

from django.conf import settings
from django.db import models
from django.utils.crypto import constant_time_compare, salted_hmac
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from contactcenter.fields import EncryptedTextField


class EncryptedTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    key = EncryptedTextField(default=default_key, help_text="Hex seed, encrypted at rest.")
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = "TOTP device"

    # django-otp's logic, unchanged: it reads only the fields above and the mixins' methods.
    bin_key = TOTPDevice.bin_key
    config_url = TOTPDevice.config_url
    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    _read_str_from_settings = TOTPDevice._read_str_from_settings


BACKUP_CODE_SALT = "contactcenter.accounts.otp.BackupCode"


def backup_code_digest(user_id: int, code: str) -> str:
    return salted_hmac(BACKUP_CODE_SALT, f"{user_id}:{code}", algorithm="sha256").hexdigest()


class BackupCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """Single-use codes for a lost phone; only their keyed hashes are stored."""

    class Meta(Device.Meta):
        verbose_name = "backup code device"

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        digest = backup_code_digest(self.user_id, str(token).strip().lower())
        match = next(
            (c for c in self.code_set.all() if constant_time_compare(c.digest, digest)), None
        )
        # Deleted by row count: of two sessions typing one code at once, one wins.
        if match is None or not BackupCode.objects.filter(pk=match.pk).delete()[0]:
            self.throttle_increment()
            return False
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="code_set")
    digest = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"backup code of device {self.device_id}"

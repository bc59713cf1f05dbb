"""Validation against the standard schemas: Frictionless first, then Tsunagu's own checks.

``CHECKS`` maps each check's stable slug to its class, imported only when used, so a manifest can
name checks and ``import tsunagu.validators`` stays cheap. Run them with
:func:`tsunagu.validators.engine.validate_draft`.
"""

from __future__ import annotations

from tsunagu.registry import Registry

CHECKS = Registry(
    "check",
    {
        "lg-code": "tsunagu.validators.checks.lg_code:LgCodeCheck",
        "corporate-number": "tsunagu.validators.checks.corporate_number:CorporateNumberCheck",
        "coordinates": "tsunagu.validators.checks.coordinates:CoordinatesCheck",
        "url": "tsunagu.validators.checks.url:UrlCheck",
        "personal-data": "tsunagu.validators.checks.personal_data:PersonalDataCheck",
        "care-locations": "tsunagu.validators.checks.care_locations:CareLocationsCheck",
        "machine-readability": (
            "tsunagu.validators.checks.machine_readability:MachineReadabilityCheck"
        ),
    },
)

__all__ = ["CHECKS"]

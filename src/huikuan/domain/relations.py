"""How a placement file's free-text relation (配偶, 同事, friend...) maps onto a party role."""

from __future__ import annotations

from huikuan.domain.enums import PartyRole

RELATION_ROLES: dict[str, PartyRole] = {
    "配偶": PartyRole.SPOUSE,
    "夫妻": PartyRole.SPOUSE,
    "丈夫": PartyRole.SPOUSE,
    "妻子": PartyRole.SPOUSE,
    "老公": PartyRole.SPOUSE,
    "老婆": PartyRole.SPOUSE,
    "spouse": PartyRole.SPOUSE,
    "husband": PartyRole.SPOUSE,
    "wife": PartyRole.SPOUSE,
    "父亲": PartyRole.FAMILY,
    "母亲": PartyRole.FAMILY,
    "父母": PartyRole.FAMILY,
    "兄弟": PartyRole.FAMILY,
    "姐妹": PartyRole.FAMILY,
    "兄妹": PartyRole.FAMILY,
    "姐弟": PartyRole.FAMILY,
    "子女": PartyRole.FAMILY,
    "儿子": PartyRole.FAMILY,
    "女儿": PartyRole.FAMILY,
    "亲属": PartyRole.FAMILY,
    "亲戚": PartyRole.FAMILY,
    "family": PartyRole.FAMILY,
    "parent": PartyRole.FAMILY,
    "sibling": PartyRole.FAMILY,
    "child": PartyRole.FAMILY,
    "relative": PartyRole.FAMILY,
    "同事": PartyRole.COLLEAGUE,
    "colleague": PartyRole.COLLEAGUE,
    "朋友": PartyRole.FRIEND,
    "同学": PartyRole.FRIEND,
    "friend": PartyRole.FRIEND,
    "单位": PartyRole.EMPLOYER,
    "雇主": PartyRole.EMPLOYER,
    "employer": PartyRole.EMPLOYER,
}


def role_for_relation(relation: str | None) -> PartyRole:
    """An emergency contact whose relation says nothing more stays an emergency contact."""
    if not relation:
        return PartyRole.EMERGENCY_CONTACT
    return RELATION_ROLES.get(relation.strip().lower(), PartyRole.EMERGENCY_CONTACT)

"""Domain errors of the memberships domain (types from API.md)."""

from cultuurkaart.core.errors import Conflict, DomainError, NotFound


class InvalidCode(NotFound):
    type = "invalid-code"
    title = "Unknown, malformed or replaced activation code"


class CodeUsed(Conflict):
    type = "code-used"
    title = "This activation code has already been used"


class ParentalNoticeRequired(DomainError):
    type = "parental-notice-required"
    status = 422
    title = "Members under 16 must confirm that their parents or guardians are informed"


class AlreadyMember(Conflict):
    type = "already-member"
    title = "This account already has an active membership at this school"


class NoProgramme(Conflict):
    type = "no-programme"
    title = "The school has no programme with a membership period that is still running"


class MembershipNotActive(DomainError):
    type = "membership-not-active"
    status = 422
    title = "The person has no active membership"


class UnknownPerson(DomainError):
    type = "unknown-person"
    status = 422
    title = "Some people are not on this school's roster"


class NoMembership(NotFound):
    type = "no-membership"
    title = "You have no membership"


class NotMbo(DomainError):
    type = "not-mbo"
    status = 422
    title = "Only students and teachers of MBO schools can request a code themselves"


class UnknownSchool(DomainError):
    type = "unknown-school"
    status = 422
    title = "No participating school has this school number"


class AlreadyDecided(Conflict):
    type = "already-decided"
    title = "This request has already been decided"


class TeacherMembershipsExhausted(Conflict):
    type = "teacher-memberships-exhausted"
    title = "The school ordered no more teacher memberships"

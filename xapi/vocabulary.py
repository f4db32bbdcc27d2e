"""Every verb, activity type, extension and cmi5 IRI the suite uses: the one place these facts live."""
from __future__ import annotations

from types import MappingProxyType

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
ADL_W3ID_VERBS = "https://w3id.org/xapi/adl/verbs/"
CMI5 = "https://w3id.org/xapi/cmi5/"


class Verb:
    """Verb IRIs (ADL vocabulary and the cmi5 profile)."""

    LAUNCHED = ADL_VERBS + "launched"
    INITIALIZED = ADL_VERBS + "initialized"
    PROGRESSED = ADL_VERBS + "progressed"
    EXPERIENCED = ADL_VERBS + "experienced"
    ATTEMPTED = ADL_VERBS + "attempted"
    ANSWERED = ADL_VERBS + "answered"
    COMPLETED = ADL_VERBS + "completed"
    PASSED = ADL_VERBS + "passed"
    FAILED = ADL_VERBS + "failed"
    SUSPENDED = ADL_VERBS + "suspended"
    RESUMED = ADL_VERBS + "resumed"
    TERMINATED = ADL_VERBS + "terminated"
    SCORED = ADL_VERBS + "scored"
    INTERACTED = ADL_VERBS + "interacted"
    VOIDED = ADL_VERBS + "voided"
    SATISFIED = ADL_W3ID_VERBS + "satisfied"
    WAIVED = ADL_W3ID_VERBS + "waived"
    ABANDONED = ADL_W3ID_VERBS + "abandoned"


VERB_DISPLAY = MappingProxyType({
    iri: {"en-US": iri.rsplit("/", 1)[1]}
    for name, iri in vars(Verb).items() if name.isupper()
})
"""`display` language maps for each verb (the verb's last path segment, as the ADL registry shows it)."""


class ActivityType:
    COURSE = ADL_ACTIVITIES + "course"
    MODULE = ADL_ACTIVITIES + "module"
    LESSON = ADL_ACTIVITIES + "lesson"
    ASSESSMENT = ADL_ACTIVITIES + "assessment"
    QUESTION = ADL_ACTIVITIES + "question"
    INTERACTION = ADL_ACTIVITIES + "interaction"
    CMI_INTERACTION = ADL_ACTIVITIES + "cmi.interaction"
    MEDIA = ADL_ACTIVITIES + "media"
    LINK = ADL_ACTIVITIES + "link"
    FILE = ADL_ACTIVITIES + "file"
    PROFILE = ADL_ACTIVITIES + "profile"


class InteractionType:
    """`definition.interactionType` values (xAPI 1.0.3 / 2.0, from SCORM's cmi.interactions)."""

    TRUE_FALSE = "true-false"
    CHOICE = "choice"
    FILL_IN = "fill-in"
    LONG_FILL_IN = "long-fill-in"
    MATCHING = "matching"
    PERFORMANCE = "performance"
    SEQUENCING = "sequencing"
    LIKERT = "likert"
    NUMERIC = "numeric"
    OTHER = "other"


INTERACTION_COMPONENTS = MappingProxyType({
    InteractionType.CHOICE: ("choices",),
    InteractionType.SEQUENCING: ("choices",),
    InteractionType.LIKERT: ("scale",),
    InteractionType.MATCHING: ("source", "target"),
    InteractionType.PERFORMANCE: ("steps",),
    InteractionType.TRUE_FALSE: (),
    InteractionType.FILL_IN: (),
    InteractionType.LONG_FILL_IN: (),
    InteractionType.NUMERIC: (),
    InteractionType.OTHER: (),
})
"""Which interaction-component lists each interaction type may carry."""


class Extension:
    """Extension IRIs (context and result) used by the tool and the cmi5 profile."""

    PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
    REASON = "https://w3id.org/xapi/cmi5/context/extensions/reason"
    SESSION_ID = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
    MASTERY_SCORE = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
    LAUNCH_MODE = "https://w3id.org/xapi/cmi5/context/extensions/launchmode"
    LAUNCH_URL = "https://w3id.org/xapi/cmi5/context/extensions/launchurl"
    MOVE_ON = "https://w3id.org/xapi/cmi5/context/extensions/moveon"
    LAUNCH_PARAMETERS = "https://w3id.org/xapi/cmi5/context/extensions/launchparameters"
    ATTEMPT = "https://w3id.org/xapi/ext/attempt"
    LTI_CONTEXT = "http://id.tincanapi.com/extension/lti-context-id"
    LMS_PLATFORM = "https://w3id.org/xapi/ext/lms-platform"


class Cmi5:
    """cmi5 profile IRIs: categories, the profile, and the activity types of a course and its blocks."""

    CATEGORY_CMI5 = CMI5 + "context/categories/cmi5"
    CATEGORY_MOVEON = CMI5 + "context/categories/moveon"
    PROFILE = "https://w3id.org/xapi/cmi5"
    COURSE_TYPE = CMI5 + "activitytype/course"
    BLOCK_TYPE = CMI5 + "activitytype/block"


SIGNATURE_USAGE_TYPE = "http://adlnet.gov/expapi/attachments/signature"
"""Attachment usageType that marks a JWS statement signature."""

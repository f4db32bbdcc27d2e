"""XML namespaces of the package formats, shared by the builders, the validator and the importer."""
from __future__ import annotations

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML = "http://www.w3.org/XML/1998/namespace"

CP12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD12 = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"

CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
LOM = "http://ltsc.ieee.org/xsd/LOM"

CMI5 = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"

CC11 = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CC11_LOM = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
CC11_LTI = "http://www.imsglobal.org/xsd/imslticc_v1p0"
CC11_WL = "http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1"
CC13 = "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
CC13_LOM = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest"
CC13_LTI = "http://www.imsglobal.org/xsd/imslticc_v1p3"
CC13_WL = "http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3"
BLTI = "http://www.imsglobal.org/xsd/imsbasiclti_v1p0"
LTICM = "http://www.imsglobal.org/xsd/imslticm_v1p0"
LTICP = "http://www.imsglobal.org/xsd/imslticp_v1p0"

SCHEMA_LOCATIONS = {
    CP12: "imscp_rootv1p1p2.xsd", ADLCP12: "adlcp_rootv1p2.xsd", IMSMD12: "imsmd_rootv1p2p1.xsd",
    CP: "imscp_v1p1.xsd", ADLCP: "adlcp_v1p3.xsd", ADLSEQ: "adlseq_v1p3.xsd", ADLNAV: "adlnav_v1p3.xsd",
    IMSSS: "imsss_v1p0.xsd", LOM: "lom.xsd", CMI5: "CourseStructure.xsd",
    CC11: "ccv1p1_imscp_v1p2_v1p0.xsd", CC11_LTI: "imslticc_v1p0p1.xsd", CC11_WL: "ccv1p1_imswl_v1p1.xsd",
}
"""File names each namespace's schema has in every distributed schema set (ADL, Rustici, npm packagers)."""


def schema_location(*namespaces: str) -> str:
    return " ".join(f"{ns} {SCHEMA_LOCATIONS[ns]}" for ns in namespaces)

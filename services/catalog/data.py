"""The catalog as published: authorities, service types and their materials checklists.

Each dropped legacy item says what replaced it (shared data, a written commitment, or abolition).
`services.catalog.loader` turns this into version 1 of each service type; later changes are made
in the admin as new versions."""

from services.constants import CertificateKind, MaterialMode, Matter, ValidityRule

UPLOAD, COMMIT, SHARED, ABOLISHED = (
    MaterialMode.UPLOAD,
    MaterialMode.COMMITMENT,
    MaterialMode.SHARED_DATA,
    MaterialMode.ABOLISHED,
)
DOCS = ["pdf", "jpeg", "png"]
PDF = ["pdf"]
IMAGES = ["jpeg", "png"]

AUTHORITIES = [
    {
        "code": "yn-kjt",
        "name_zh": "云南省科学技术厅",
        "name_en": "Department of Science and Technology of Yunnan Province",
        "credit_seed": "11530000MB1A00001",
        "address": "云南省昆明市五华区北京路",
        "complaint_phone": "0871-12345",
        "city": "",
    },
    {
        "code": "km-kjj",
        "name_zh": "昆明市科学技术局",
        "name_en": "Kunming Municipal Bureau of Science and Technology",
        "credit_seed": "11530100MB1B00002",
        "address": "云南省昆明市呈贡区",
        "complaint_phone": "0871-12345",
        "city": "昆明市",
        "parent": "yn-kjt",
    },
    {
        "code": "yn-crj",
        "name_zh": "云南省公安厅出入境管理局",
        "name_en": "Exit and Entry Administration Bureau, Yunnan Provincial Public Security Department",
        "credit_seed": "11530000MB1C00003",
        "address": "云南省昆明市官渡区",
        "complaint_phone": "0871-12367",
        "city": "",
    },
]

LAB_BASIS = (
    "《实验动物管理条例》第五条、第六条；《实验动物质量管理办法》（国科发财字〔1997〕593号）第九条；"
    "《实验动物许可证管理办法（试行）》（国科发财字〔2001〕545号）第八条；《中华人民共和国行政许可法》第四十二条"
)
LAB_BASIS_EN = (
    "Regulations on the Administration of Laboratory Animals, Arts. 5-6; Measures for Laboratory Animal "
    "Quality Management (1997), Art. 9; Measures for Laboratory Animal Licences (trial, 2001), Art. 8; "
    "Administrative Licensing Law, Art. 42"
)
WORK_BASIS = (
    "《中华人民共和国出境入境管理法》第四十一条；《外国人在中国就业管理规定》；《外国人来华工作许可服务指南（暂行）》"
)
WORK_BASIS_EN = (
    "Exit and Entry Administration Law, Art. 41; Rules for the Administration of Employment of Foreigners "
    "in China; Service Guide for Work Permits for Foreigners (interim)"
)
RESIDENCE_BASIS = "《中华人民共和国出境入境管理法》第三十条、第三十一条；《中华人民共和国外国人入境出境管理条例》"
RESIDENCE_BASIS_EN = (
    "Exit and Entry Administration Law, Arts. 30-31; Regulations on the Administration of the Entry and "
    "Exit of Foreigners"
)

COMMITMENT_TEMPLATE_ZH = (
    "本单位已知悉：{name}属于实行告知承诺制的证明事项。本单位承诺所述情况真实、符合许可条件，"
    "同意审批机关依法核查；如承诺不实，愿意承担不予许可、撤销许可、记入信用记录及相应法律责任。"
)
COMMITMENT_TEMPLATE_EN = (
    "We understand that '{name_en}' is a proof that may be replaced by a written commitment. We commit that "
    "the facts are true and meet the licensing conditions, and agree to verification by the authority. "
    "A false commitment leads to refusal or revocation of the licence, a record in the credit system and "
    "the legal liability that follows."
)


def _m(code, zh, en, mode, *, required=True, legacy=True, types=DOCS, size=10, age=None, shared=False,
       replacement="", replacement_en="", tracks=None, description="", description_en=""):
    return {
        "code": code, "name_zh": zh, "name_en": en, "mode": mode, "required": required, "legacy": legacy,
        "file_types": list(types) if mode in (UPLOAD, COMMIT) else [], "max_size_mb": size,
        "max_age_days": age, "shared": shared, "replacement": replacement, "replacement_en": replacement_en,
        "tracks": tracks or [], "description": description, "description_en": description_en,
    }


def _lab_new(kind: str):
    """The 11 legacy items of a new lab animal licence, 6 of them still uploaded."""
    production = kind == "production"
    quality = (
        _m("animal-quality-report", "实验动物质量检测报告", "Laboratory animal quality test report", UPLOAD,
           age=90, description="由具备资质的检测机构出具，3个月内有效",
           description_en="Issued by an accredited testing body, no older than 3 months")
        if production else
        _m("animal-source-proof", "实验动物来源证明（供应单位许可证号及合格证）",
           "Proof of animal source (supplier's licence number and quality certificate)", UPLOAD)
    )
    return [
        _m("application-form", "实验动物许可证申请书（法定代表人签字并加盖公章）",
           "Licence application form, signed by the legal representative and sealed", UPLOAD, types=PDF),
        _m("environment-report", "实验动物环境设施检测报告", "Animal facility environment test report", UPLOAD,
           age=90, description="依据GB 14925检测，3个月内有效",
           description_en="Tested to GB 14925, no older than 3 months"),
        quality,
        _m("floor-plan", "设施平面布局图（标明功能分区及人、物、动物流向）",
           "Facility floor plan (zones and flows of staff, goods and animals)", UPLOAD),
        _m("management-rules", "质量管理制度及标准操作规程（SOP）目录",
           "Quality management rules and index of standard operating procedures", UPLOAD, types=PDF),
        _m("staff-qualifications", "从业人员名单及培训合格证明", "Staff list and proof of training", UPLOAD),
        _m("business-licence", "营业执照或事业单位法人证书", "Business licence or public institution certificate",
           SHARED, replacement="由市场监管、机构编制部门登记信息共享获取",
           replacement_en="Taken from the registration data of market regulation and institution registries"),
        _m("legal-rep-id", "法定代表人身份证明", "Identity document of the legal representative", SHARED,
           replacement="由法人库、人口库共享核验",
           replacement_en="Verified against the shared legal-person and population databases"),
        (_m("seed-stock-origin", "实验动物种子来源证明", "Proof of origin of the seed stock", COMMIT,
            replacement="告知承诺：申请人签署承诺书，事后核查",
            replacement_en="Written commitment signed by the applicant, verified afterwards")
         if production else
         _m("ethics-committee", "实验动物福利伦理审查委员会设立文件", "Founding document of the animal welfare and "
            "ethics committee", COMMIT, replacement="告知承诺：申请人签署承诺书，现场核查时查验",
            replacement_en="Written commitment, checked during the site inspection")),
        _m("feed-bedding-origin", "饲料、垫料来源证明", "Proof of origin of feed and bedding", COMMIT,
           replacement="告知承诺：申请人签署承诺书，事后核查",
           replacement_en="Written commitment signed by the applicant, verified afterwards"),
        _m("paper-copies", "纸质申请材料一式三份及电子光盘", "Three paper copies of the file and a CD", ABOLISHED,
           replacement="取消：全程网办，电子材料即可",
           replacement_en="Abolished: the whole procedure is online, electronic files suffice"),
    ]


LAB_COMMON = {
    "authority": "yn-kjt",
    "local_authorities": {"昆明市": "km-kjj"},
    "legal_basis": LAB_BASIS,
    "legal_basis_en": LAB_BASIS_EN,
    "acceptance_limit": 5,
    "statutory_limit": 20,
    "extension_limit": 10,
    "issuance_limit": 10,
    "pause_allowed": True,
    "extension_allowed": True,
    "fee": 0,
}

SERVICE_TYPES = [
    {
        **LAB_COMMON,
        "code": "lab-animal-production",
        "item_code": "00010610600101",
        "name_zh": "实验动物生产许可证核发（新办）",
        "name_en": "Laboratory animal production licence (SCXK), new",
        "matter": Matter.NEW,
        "committed_limit": 14,
        "legacy_limit": 63,
        "certificate_kind": CertificateKind.SCXK,
        "validity_rule": ValidityRule.YEARS_MINUS_ONE_DAY,
        "validity_years": 5,
        "conditions": "种子来源清楚、质量符合国家标准；具有合格的设施、检测手段和饲料；"
        "专业技术人员经培训合格；建立质量管理制度。",
        "conditions_en": "Seed stock of known origin and national-standard quality; compliant facilities, testing "
        "and feed; trained staff; a quality management system.",
        "materials": _lab_new("production"),
        "order": 10,
    },
    {
        **LAB_COMMON,
        "code": "lab-animal-use",
        "item_code": "00010610600201",
        "name_zh": "实验动物使用许可证核发（新办）",
        "name_en": "Laboratory animal use licence (SYXK), new",
        "matter": Matter.NEW,
        "committed_limit": 14,
        "legacy_limit": 63,
        "certificate_kind": CertificateKind.SYXK,
        "validity_rule": ValidityRule.YEARS_MINUS_ONE_DAY,
        "validity_years": 5,
        "conditions": "使用的实验动物来自持证单位；设施、饲料符合标准；人员经培训；有管理制度；"
        "涉及感染动物的符合生物安全要求。",
        "conditions_en": "Animals from licensed producers; compliant facilities and feed; trained staff; "
        "management rules; work with infected animals complies with the Biosafety Law.",
        "materials": _lab_new("use"),
        "order": 20,
    },
    {
        **LAB_COMMON,
        "code": "lab-animal-change",
        "item_code": "00010610600103",
        "name_zh": "实验动物许可证变更",
        "name_en": "Laboratory animal licence, change",
        "matter": Matter.CHANGE,
        "committed_limit": 5,
        "legacy_limit": 20,
        "validity_rule": ValidityRule.SAME_AS_PREDECESSOR,
        "materials": [
            _m("change-application", "实验动物许可证变更申请表", "Licence change application form", UPLOAD, types=PDF),
            _m("change-proof", "变更事项证明材料（设施或范围变更时提交检测报告）",
               "Proof of the change (test report when the facility or scope changes)", UPLOAD, age=90),
            _m("registration-change", "名称、法定代表人变更登记证明", "Proof of registered name or legal "
               "representative change", SHARED, replacement="由市场监管登记信息共享获取",
               replacement_en="Taken from the market regulation registry"),
            _m("original-licence", "许可证正副本原件", "Original and copy of the licence", ABOLISHED,
               replacement="取消：电子证照在线核验", replacement_en="Abolished: the e-licence is verified online"),
            _m("paper-copies", "纸质申请材料", "Paper copies of the file", ABOLISHED,
               replacement="取消：全程网办", replacement_en="Abolished: the procedure is online"),
        ],
        "order": 30,
    },
    {
        **LAB_COMMON,
        "code": "lab-animal-renewal",
        "item_code": "00010610600104",
        "name_zh": "实验动物许可证延续",
        "name_en": "Laboratory animal licence, renewal",
        "matter": Matter.RENEWAL,
        "committed_limit": 14,
        "legacy_limit": 40,
        "validity_rule": ValidityRule.YEARS_MINUS_ONE_DAY,
        "validity_years": 5,
        "materials": [
            _m("renewal-application", "实验动物许可证延续申请书", "Licence renewal application form", UPLOAD,
               types=PDF),
            _m("environment-report", "实验动物环境设施检测报告", "Animal facility environment test report", UPLOAD,
               age=90),
            _m("annual-reports", "许可证有效期内年度报告", "Annual reports for the licence period", UPLOAD, types=PDF),
            _m("staff-qualifications", "从业人员名单及培训合格证明", "Staff list and proof of training", UPLOAD),
            _m("business-licence", "营业执照或事业单位法人证书", "Business licence or public institution certificate",
               SHARED, replacement="由登记信息共享获取", replacement_en="Taken from shared registration data"),
            _m("management-rules", "质量管理制度及SOP目录", "Quality management rules and SOP index", COMMIT,
               replacement="告知承诺：制度未变化的，签署承诺书", replacement_en="Written commitment when unchanged"),
            _m("original-licence", "许可证正副本原件", "Original and copy of the licence", ABOLISHED,
               replacement="取消：电子证照在线核验", replacement_en="Abolished: the e-licence is verified online"),
            _m("paper-copies", "纸质申请材料", "Paper copies of the file", ABOLISHED,
               replacement="取消：全程网办", replacement_en="Abolished: the procedure is online"),
        ],
        "order": 40,
    },
    {
        **LAB_COMMON,
        "code": "lab-animal-cancel",
        "item_code": "00010610600105",
        "name_zh": "实验动物许可证注销",
        "name_en": "Laboratory animal licence, cancellation",
        "matter": Matter.CANCELLATION,
        "committed_limit": 3,
        "legacy_limit": 20,
        "pause_allowed": False,
        "extension_allowed": False,
        "materials": [
            _m("cancel-application", "实验动物许可证注销申请书", "Licence cancellation application form", UPLOAD,
               types=PDF),
            _m("animal-disposal", "实验动物处置情况说明", "Statement on the disposal of the animals", COMMIT,
               replacement="告知承诺", replacement_en="Written commitment"),
            _m("original-licence", "许可证正副本原件", "Original and copy of the licence", ABOLISHED,
               replacement="取消：电子证照在线注销", replacement_en="Abolished: the e-licence is cancelled online"),
        ],
        "order": 50,
    },
    {
        "code": "foreign-work-permit",
        "item_code": "000105410000",
        "authority": "yn-kjt",
        "name_zh": "外国人来华工作许可",
        "name_en": "Work permit for foreigners in China",
        "matter": Matter.NEW,
        "legal_basis": WORK_BASIS,
        "legal_basis_en": WORK_BASIS_EN,
        "acceptance_limit": 5,
        "committed_limit": 10,
        "category_limits": {"A": 5, "B": 10, "C": 10},
        "statutory_limit": 20,
        "extension_limit": 10,
        "issuance_limit": 10,
        "legacy_limit": 10,
        "certificate_kind": CertificateKind.WORK_PERMIT,
        "validity_rule": ValidityRule.CONTRACT_TERM,
        "validity_years": 5,
        "materials": [
            _m("application-form", "外国人来华工作许可申请表（用人单位盖章）",
               "Work permit application form, sealed by the employer", UPLOAD, types=PDF),
            _m("work-experience", "工作资历证明", "Proof of work experience", UPLOAD, age=365),
            _m("degree", "最高学位（学历）证书（经认证）", "Highest degree certificate, authenticated", UPLOAD),
            _m("criminal-record", "无犯罪记录证明（经认证）", "Criminal record certificate, authenticated", UPLOAD,
               age=180),
            _m("health-certificate", "体检证明", "Health certificate", UPLOAD, age=180),
            _m("employment-contract", "劳动合同或派遣函", "Employment contract or secondment letter", UPLOAD),
            _m("passport", "护照（有效期6个月以上）", "Passport, valid for at least 6 more months", UPLOAD),
            _m("photo", "近期正面免冠照片", "Recent front-facing photo", UPLOAD, types=IMAGES, size=2),
            _m("cv", "个人简历", "Curriculum vitae", ABOLISHED, replacement="取消：申请表已填报履历",
               replacement_en="Abolished: the application form records the career"),
            _m("translations", "外文材料中文译本", "Chinese translations of foreign documents", UPLOAD,
               required=False),
            _m("employer-licence", "用人单位营业执照", "Employer's business licence", SHARED,
               replacement="由市场监管登记信息共享获取", replacement_en="Taken from the market regulation registry"),
        ],
        "order": 60,
    },
    {
        "code": "foreign-residence-permit",
        "item_code": "000105411000",
        "authority": "yn-crj",
        "name_zh": "外国人工作类居留许可",
        "name_en": "Work-type residence permit for foreigners",
        "matter": Matter.NEW,
        "legal_basis": RESIDENCE_BASIS,
        "legal_basis_en": RESIDENCE_BASIS_EN,
        "acceptance_limit": 5,
        "committed_limit": 15,
        "statutory_limit": 15,
        "extension_limit": 0,
        "extension_allowed": False,
        "issuance_limit": 10,
        "legacy_limit": 15,
        "certificate_kind": CertificateKind.RESIDENCE_PERMIT,
        "validity_rule": ValidityRule.CONTRACT_TERM,
        "validity_years": 5,
        "materials": [
            _m("passport", "护照", "Passport", UPLOAD),
            _m("application-form", "外国人签证证件申请表", "Visa and residence document application form", UPLOAD,
               types=PDF),
            _m("photo", "近期正面免冠照片", "Recent front-facing photo", UPLOAD, types=IMAGES, size=2),
            _m("accommodation-registration", "住宿登记证明", "Accommodation registration", SHARED,
               replacement="由公安住宿登记系统共享获取", replacement_en="Taken from the police accommodation records"),
            _m("health-certificate", "体检证明（居留一年以上）", "Health certificate (stays over one year)", UPLOAD,
               age=180),
            _m("work-permit", "外国人工作许可证", "Foreigner's work permit", SHARED,
               replacement="由工作许可系统共享获取", replacement_en="Taken from the work permit system"),
        ],
        "order": 70,
    },
    {
        "code": "foreign-talent-one-stop",
        "item_code": "000105419000",
        "authority": "yn-kjt",
        "name_zh": "外国人才工作、居留许可“一站式”联办",
        "name_en": "Foreign talent one-stop service: work permit and residence permit",
        "matter": Matter.JOINT,
        "legal_basis": f"{WORK_BASIS}；{RESIDENCE_BASIS}；《中华人民共和国行政许可法》第二十六条",
        "legal_basis_en": f"{WORK_BASIS_EN}; {RESIDENCE_BASIS_EN}; Administrative Licensing Law, Art. 26",
        "acceptance_limit": 5,
        "committed_limit": 7,
        "statutory_limit": 20,
        "extension_limit": 10,
        "issuance_limit": 10,
        "legacy_limit": None,
        "components": ["foreign-work-permit", "foreign-residence-permit"],
        "materials": [
            _m("application-form", "外国人才工作居留一站式申请表（用人单位盖章）",
               "One-stop application form for work and residence, sealed by the employer", UPLOAD, types=PDF,
               shared=True, legacy=False),
            _m("passport", "护照（有效期6个月以上）", "Passport, valid for at least 6 more months", UPLOAD,
               shared=True, legacy=False),
            _m("photo", "近期正面免冠照片", "Recent front-facing photo", UPLOAD, types=IMAGES, size=2, shared=True,
               legacy=False),
            _m("health-certificate", "体检证明", "Health certificate", UPLOAD, age=180, shared=True, legacy=False),
            _m("employment-contract", "劳动合同或派遣函", "Employment contract or secondment letter", UPLOAD,
               tracks=["foreign-work-permit"], legacy=False),
            _m("degree", "最高学位（学历）证书（经认证）", "Highest degree certificate, authenticated", UPLOAD,
               tracks=["foreign-work-permit"], legacy=False),
            _m("criminal-record", "无犯罪记录证明（经认证）", "Criminal record certificate, authenticated", UPLOAD,
               age=180, tracks=["foreign-work-permit"], legacy=False),
            _m("work-experience", "工作资历证明", "Proof of work experience", COMMIT, age=365,
               tracks=["foreign-work-permit"], legacy=False, replacement="告知承诺：签署承诺书，事后核查",
               replacement_en="Written commitment, verified afterwards"),
            _m("translations", "外文材料中文译本", "Chinese translations of foreign documents", UPLOAD,
               required=False, legacy=False, tracks=["foreign-work-permit"]),
            _m("accommodation-registration", "住宿登记证明", "Accommodation registration", SHARED, legacy=False,
               tracks=["foreign-residence-permit"], replacement="由公安住宿登记系统共享获取",
               replacement_en="Taken from the police accommodation records"),
            _m("work-permit", "外国人工作许可证", "Foreigner's work permit", SHARED, legacy=False,
               tracks=["foreign-residence-permit"], replacement="并联审批：工作许可决定直接推送居留审批",
               replacement_en="Parallel review: the work permit decision goes straight to the residence track"),
            _m("employer-licence", "用人单位营业执照", "Employer's business licence", SHARED, legacy=False,
               replacement="由市场监管登记信息共享获取", replacement_en="Taken from the market regulation registry"),
        ],
        "order": 80,
    },
]

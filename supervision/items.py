"""The published inspection list for lab animal licences (检查事项清单), loaded by the demo and by
`inspection_items_load`; an item that exists is left as the administrators edited it."""

from __future__ import annotations

from django.db import transaction

from .constants import ItemStatus
from .models import CheckPoint, InspectionItem

LAB_ANIMAL_ITEMS = [
    {
        "code": "lab-animal-licence-conditions", "order": 1, "kinds": ["SCXK", "SYXK"],
        "name_zh": "实验动物许可条件保持情况检查",
        "name_en": "Inspection of continued compliance with lab animal licence conditions",
        "legal_basis": "《实验动物管理条例》第五条、第六条；《实验动物许可证管理办法（试行）》第十八条",
        "check_points": [
            ("facility-environment", "设施环境符合GB 14925要求（温湿度、压差、换气次数、洁净度）",
             "Facility environment meets GB 14925 (temperature, humidity, pressure, air changes, cleanliness)"),
            ("animal-quality", "实验动物质量检测（微生物、寄生虫、遗传）符合GB 14922并定期送检",
             "Animal quality testing (microbiology, parasites, genetics) meets GB 14922 and is done regularly"),
            ("animal-source", "实验动物来源于有许可证的单位，有合格证明",
             "Animals come from licensed suppliers with quality certificates"),
            ("feed-bedding", "饲料、垫料、饮水符合国家标准",
             "Feed, bedding and water meet the national standards"),
            ("staff-training", "从业人员经专业培训、持证上岗并定期体检",
             "Staff are trained, certified and have regular health checks"),
            ("records", "管理制度、标准操作规程和日常记录完整",
             "Management rules, SOPs and daily records are complete"),
            ("welfare-ethics", "动物福利与伦理审查制度落实",
             "Animal welfare and ethical review are in place"),
            ("biosafety-waste", "生物安全措施和废弃物、尸体无害化处理",
             "Biosafety measures and safe disposal of waste and carcasses"),
        ],
    },
]


@transaction.atomic
def inspection_items_load() -> list[InspectionItem]:
    loaded = []
    for spec in LAB_ANIMAL_ITEMS:
        item = InspectionItem.objects.filter(code=spec["code"]).order_by("-version").first()
        if item is None:
            item = InspectionItem.objects.create(
                code=spec["code"], version=1, status=ItemStatus.PUBLISHED, name_zh=spec["name_zh"],
                name_en=spec["name_en"], licence_kinds=spec["kinds"], legal_basis=spec["legal_basis"],
                order=spec["order"])
            CheckPoint.objects.bulk_create(
                CheckPoint(item=item, code=code, name_zh=zh, name_en=en, order=i)
                for i, (code, zh, en) in enumerate(spec["check_points"], start=1))
        loaded.append(item)
    return loaded

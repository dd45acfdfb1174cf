"""factory_boy factories for accounts and catalog objects."""

import factory

from django.contrib.auth import get_user_model

from licensing.models import Applicant, ApplicantKind
from services.models import Authority, Officer, StaffRole
from services.validators import credit_code_check_char


def credit_code(seed: str) -> str:
    """A valid unified social credit code from a 17-character seed."""
    return seed + credit_code_check_char(seed)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password("pass-word-123")


class ApplicantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Applicant

    user = factory.SubFactory(UserFactory)
    kind = ApplicantKind.ORGANISATION
    name = factory.Sequence(lambda n: f"测试研究所{n}")
    credit_code = factory.Sequence(lambda n: credit_code(f"1253040{n:06d}0MB0"[:17]))
    legal_representative = "张三"
    city = "玉溪市"
    address = "云南省玉溪市红塔区测试路1号"
    contact_name = "李四"
    contact_phone = "0877-1234567"


def make_officer(username: str, authority_code: str, *roles: str) -> Officer:
    """An officer of an authority (which must exist: use the `catalog` fixture) with roles."""
    user = UserFactory(username=username)
    officer = Officer.objects.create(user=user, authority=Authority.objects.get(code=authority_code))
    officer.roles.set(StaffRole.objects.filter(code__in=roles))
    return officer

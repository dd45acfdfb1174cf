"""Demo data beyond the catalog: apps that own demo rows register a seeder here (in AppConfig.ready)
and `manage.py seed_demo` runs them, so services never imports the apps that build on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.contrib.auth import get_user_model

# seeder(*, password) → the usernames of the demo accounts it seeded; called inside seed_demo's
# transaction, and again on every later run, so it must update what an earlier run created.
DemoSeeder = Callable[..., list[str]]


class DemoSeederRegistry:
    """Seeders by their dotted name, in registration order; a second registration of a name is a bug."""

    def __init__(self) -> None:
        self._seeders: dict[str, DemoSeeder] = {}

    def register(self, seeder: DemoSeeder) -> DemoSeeder:
        key = f"{seeder.__module__}.{seeder.__qualname__}"
        if key in self._seeders:
            raise ValueError(f"demo seeder {key} is already registered")
        self._seeders[key] = seeder
        return seeder

    def __iter__(self) -> Iterator[DemoSeeder]:
        return iter(list(self._seeders.values()))

    def __contains__(self, seeder: object) -> bool:
        return seeder in self._seeders.values()

    def __len__(self) -> int:
        return len(self._seeders)


demo_seeders = DemoSeederRegistry()


def demo_user(*, username: str, full_name: str, password: str, **flags):
    """The demo account `username`, created with `password` or brought back to the demo's name and
    e-mail; a password its user changed is kept."""
    user, created = get_user_model().objects.get_or_create(username=username)
    user.first_name = full_name
    user.email = f"{username}@demo.tongban.invalid"
    for flag, value in flags.items():
        setattr(user, flag, value)
    if created or not user.has_usable_password():
        user.set_password(password)
    user.save()
    return user

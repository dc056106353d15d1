"""The 13 venue types of issue 2 (seeds 001, 002, 004 name offices, markets, supermarkets, schools, health
facilities, factories, industrial parks, restaurants, service businesses, stations, checkpoints and
vaccination sites).

auto_checkout_minutes is OUR OWN choice, not from any document: a visit nobody checked out of is closed
this long after check-in, roughly a normal stay at that kind of place (a work shift at a factory, a meal at
a restaurant). Officials change them in the admin; see docs/venues.md.
"""

from django.db import migrations

TYPES = [
    # code, Vietnamese, English, auto_checkout_minutes (our choice: the usual stay)
    ("office", "Cơ quan, văn phòng", "Office", 480),  # a working day
    ("market", "Chợ", "Market", 90),
    ("supermarket", "Siêu thị, trung tâm thương mại", "Supermarket, shopping centre", 90),
    ("school", "Trường học", "School", 480),  # a school day
    ("health_facility", "Cơ sở y tế", "Health facility", 240),
    ("factory", "Nhà máy, cơ sở sản xuất", "Factory", 720),  # a 12-hour shift
    ("industrial_park", "Khu công nghiệp", "Industrial park", 720),
    ("restaurant", "Nhà hàng, quán ăn", "Restaurant", 120),
    ("service_business", "Cơ sở kinh doanh dịch vụ", "Service business", 120),
    ("transport_station", "Bến xe, nhà ga, cảng", "Transport station", 120),
    ("checkpoint", "Chốt kiểm soát dịch", "Checkpoint", 30),  # people pass through
    ("vaccination_site", "Điểm tiêm chủng", "Vaccination site", 120),  # queue, shot, 30 min observation
    ("other", "Khác", "Other", 120),
]


def seed(apps, schema_editor):
    VenueType = apps.get_model("venues", "VenueType")
    for order, (code, name_vi, name_en, minutes) in enumerate(TYPES, start=1):
        # Only create: an official may already have edited the minutes in the admin.
        VenueType.objects.get_or_create(
            code=code,
            defaults={"name_vi": name_vi, "name_en": name_en, "auto_checkout_minutes": minutes, "order": order},
        )


def unseed(apps, schema_editor):
    VenueType = apps.get_model("venues", "VenueType")
    VenueType.objects.filter(code__in=[t[0] for t in TYPES], venues__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("venues", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

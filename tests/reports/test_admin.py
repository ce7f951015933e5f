from django.urls import reverse


def test_administrators_list_and_read_reports(client, users, make_report):
    report = make_report()
    client.force_login(users["admin"])

    listing = client.get(reverse("admin:reports_donorreport_changelist"))
    page = client.get(reverse("admin:reports_donorreport_change", args=[report.pk]))

    assert listing.status_code == 200
    assert report.project.code.encode() in listing.content
    assert page.status_code == 200
    assert b"Labour inspectors were trained in Beirut." in page.content
    assert b'name="summary"' not in page.content
    assert client.get(reverse("admin:reports_donorreport_add")).status_code == 403


def test_staff_without_the_administrator_role_do_not_reach_reports(client, users, make_report):
    make_report()
    users["me"].is_staff = True
    users["me"].save()
    client.force_login(users["me"])

    response = client.get(reverse("admin:reports_donorreport_changelist"))

    assert response.status_code == 403

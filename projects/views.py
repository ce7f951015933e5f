from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import Project


@login_required
def project_list(request):
    projects = Project.objects.visible_to(request.user).for_list()
    return render(request, "projects/project_list.html", {"projects": projects})

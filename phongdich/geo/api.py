"""Public, read-only API of the area tree (the official code list is public data)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.core.errors import INVALID_INPUT, ApplicationError
from phongdich.core.throttling import ScopedRateThrottle

from .errors import UNKNOWN_AREA
from .models import Area
from .selectors import area_children, area_full_name, area_get, area_search


class AreaListApi(APIView):
    """GET /api/v1/areas/?q=&parent=&kind=: search (q) or browse (parent) the areas. No login; rate limited."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "area_search"  # names of places, no personal data: a higher limit than other public endpoints

    class AreaFilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=100)
        parent = serializers.IntegerField(required=False, min_value=1)
        kind = serializers.ChoiceField(choices=Area.Kind.choices, required=False)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)

    class AreaOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        code = serializers.CharField()
        name = serializers.CharField()
        kind = serializers.CharField()
        path = serializers.CharField()
        parent_name = serializers.SerializerMethodField()
        full_name = serializers.SerializerMethodField()

        def get_parent_name(self, area) -> str:
            return area.parent.name if area.parent_id else ""

        def get_full_name(self, area) -> str:
            return area_full_name(area)

    @extend_schema(
        operation_id="areas_list",
        parameters=[AreaFilterSerializer],
        responses={
            200: inline_serializer("AreaList", fields={"results": AreaOutputSerializer(many=True)}),
            400: OpenApiResponse(description="invalid_input"),
            429: OpenApiResponse(description="rate_limited"),
        },
        summary="Search or browse administrative areas (public)",
    )
    def get(self, request):
        filters = self.AreaFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        parent = None
        if "parent" in data:
            parent = area_get(area_id=data["parent"])
            if parent is None:
                raise ApplicationError(INVALID_INPUT, extra={"fields": {"parent": [UNKNOWN_AREA]}})
        kinds = [data["kind"]] if data.get("kind") else None
        if data.get("q"):
            areas = area_search(q=data["q"], within=parent, kinds=kinds, limit=data["limit"])
        else:
            children = area_children(area=parent).select_related("parent__parent__parent")
            if kinds:
                children = children.filter(kind__in=kinds)
            areas = list(children[: data["limit"]])
        return Response({"results": self.AreaOutputSerializer(areas, many=True).data})

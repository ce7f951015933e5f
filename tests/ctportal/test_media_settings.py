import pytest
from django.core.exceptions import ImproperlyConfigured

from ctportal.settings.media import media_storages, storage_from_url

S3 = "ctportal.storage.MediaS3Storage"
LOCAL = "django.core.files.storage.FileSystemStorage"


def test_without_variables_files_stay_on_the_local_disk():
    storages = media_storages({})
    assert storages == {"default": {"BACKEND": LOCAL}, "local": {"BACKEND": LOCAL}}


def test_a_storage_url_names_bucket_prefix_endpoint_and_region():
    storages = media_storages(
        {
            "MEDIA_STORAGE_URL": "s3://ctportal-media/prod?endpoint_url=http://minio:9000"
            "&region_name=eu-west-1&addressing_style=path&verify=false",
            "AWS_ACCESS_KEY_ID": "key",
            "AWS_SECRET_ACCESS_KEY": "secret",
        }
    )
    assert storages["default"] == storages["s3"]
    assert storages["default"]["BACKEND"] == S3
    assert storages["default"]["OPTIONS"] == {
        "bucket_name": "ctportal-media",
        "location": "prod",
        "endpoint_url": "http://minio:9000",
        "region_name": "eu-west-1",
        "addressing_style": "path",
        "verify": False,
        "access_key": "key",
        "secret_key": "secret",
    }
    assert storages["local"] == {"BACKEND": LOCAL}


def test_credentials_in_the_url_are_unquoted_and_win():
    entry = storage_from_url("s3://AKIA%2Fx:s%40cret@bucket", {"AWS_ACCESS_KEY_ID": "other"})
    assert entry["OPTIONS"] == {
        "bucket_name": "bucket",
        "access_key": "AKIA/x",
        "secret_key": "s@cret",
    }


def test_the_usual_aws_variables_name_the_store():
    storages = media_storages(
        {
            "AWS_STORAGE_BUCKET_NAME": "media",
            "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
            "AWS_S3_REGION_NAME": "me-south-1",
            "AWS_LOCATION": "ctportal",
        }
    )
    assert storages["default"]["OPTIONS"] == {
        "bucket_name": "media",
        "endpoint_url": "https://s3.example.org",
        "region_name": "me-south-1",
        "location": "ctportal",
    }


def test_file_and_memory_urls():
    assert media_storages({"MEDIA_STORAGE_URL": "file:///srv/media"})["default"] == {
        "BACKEND": LOCAL,
        "OPTIONS": {"location": "/srv/media"},
    }
    storages = media_storages({"MEDIA_STORAGE_URL": "memory://"})
    assert storages["default"]["BACKEND"].endswith("InMemoryStorage")
    assert "s3" not in storages


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://host/x", "unknown scheme"),
        ("s3://", "bucket name"),
        ("s3://bucket?endpoint=http://x", "unknown parameter 'endpoint'"),
        ("s3://bucket?verify=maybe", "true or false"),
        ("file://relative", "absolute path"),
    ],
)
def test_a_wrong_url_stops_the_start_with_a_reason(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        media_storages({"MEDIA_STORAGE_URL": url})


def test_half_a_key_pair_is_refused():
    with pytest.raises(ImproperlyConfigured, match="both"):
        media_storages({"AWS_STORAGE_BUCKET_NAME": "media", "AWS_ACCESS_KEY_ID": "key"})


def test_the_s3_storage_is_private_and_never_overwrites():
    from ctportal.storage import MediaS3Storage

    storage = MediaS3Storage(bucket_name="media", server_side_encryption="AES256")
    assert storage.default_acl is None
    assert storage.file_overwrite is False
    assert storage.max_memory_size == 8 * 1024 * 1024
    assert storage.transfer_config.max_request_concurrency == 2
    assert storage.get_object_parameters("x.pdf") == {"ServerSideEncryption": "AES256"}

"""azure-img-utils 1.2.0, unchanged, against cloudpartner-mock: sign in through MSAL, read the
offer, add an image version, publish, poll, go live, poll, read the offer status. Only
HTTPS_PROXY and REQUESTS_CA_BUNDLE point it at the mock (see tests/clients/run.sh)."""
import json
import sys
import tempfile

from azure_img_utils.azure_image import AzureImage

PUBLISHER, OFFER, PLAN = "contoso", "ready-to-go-live", "gen1"


def poll(image, operation):
    """Reads the operation until it is no longer running (the mock runs at time scale 0)."""
    for _ in range(50):
        status = image.get_operation(operation)
        if status["status"] != "running":
            return status
    raise SystemExit(f"{operation} still running")


def main(tenant, client_id, secret):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as creds:
        json.dump({
            "clientId": client_id,
            "clientSecret": secret,
            "tenantId": tenant,
            "activeDirectoryEndpointUrl": "https://login.microsoftonline.com",
            "managementEndpointUrl": "https://management.core.windows.net/",
        }, creds)
    image = AzureImage(container="vhds", storage_account="images", credentials_file=creds.name)

    assert image.offer_exists(OFFER, PUBLISHER), "the offer exists"
    assert not image.offer_exists("no-such-offer", PUBLISHER), "an unknown offer does not"
    image.add_image_to_offer(
        blob_name="contoso-20261130.vhd",
        image_name="contoso-linux-v20261130",
        image_description="Contoso Linux image built 2026-11-30",
        offer_id=OFFER,
        publisher_id=PUBLISHER,
        label="Contoso Linux 2026.11.30",
        sku=PLAN,
        blob_url="https://images.blob.core.windows.net/vhds/contoso-20261130.vhd?sig=x",
    )
    doc = image.get_offer_doc(OFFER, PUBLISHER)
    versions = doc["definition"]["plans"][0]["microsoft-azure-corevm.vmImagesPublicAzure"]
    assert any(v.get("mediaName") == "contoso-linux-v20261130" for v in versions.values()), versions

    publish = image.publish_offer(OFFER, PUBLISHER, "ops@contoso.example")
    assert publish.startswith("/api/publishers/contoso/offers/ready-to-go-live/operations/"), publish
    published = poll(image, publish)
    assert published["status"] == "complete", published
    assert image.get_offer_status(OFFER, PUBLISHER) == "waitingForPublisherReview"

    go_live = image.go_live_with_offer(OFFER, PUBLISHER)
    live = poll(image, go_live)
    assert live["status"] == "complete", live
    assert live["submissionType"] == "goLive", live
    status = image.get_offer_status(OFFER, PUBLISHER)
    assert status == "succeeded", status
    print(f"azure-img-utils: signed in, image added, published ({published['offerVersion']}), "
          f"live; offer status {status}")


if __name__ == "__main__":
    main(*sys.argv[1:4])

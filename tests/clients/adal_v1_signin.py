"""The v1 sign-in as mash did it, unchanged: adal 1.2.7 acquires a token with client credentials
against https://login.microsoftonline.com/{tenant} for https://cloudpartner.azure.com, then a
CPP call carries it. Only HTTPS_PROXY and REQUESTS_CA_BUNDLE point it at the mock."""
import sys

import adal
import requests


def main(tenant, client_id, secret):
    context = adal.AuthenticationContext(f"https://login.microsoftonline.com/{tenant}")
    token = context.acquire_token_with_client_credentials(
        "https://cloudpartner.azure.com", client_id, secret
    )
    assert token["resource"] == "https://cloudpartner.azure.com", token
    response = requests.get(
        "https://cloudpartner.azure.com/api/publishers/contoso/offers?api-version=2017-10-31",
        headers={"Authorization": f"Bearer {token['accessToken']}"},
        timeout=30,
    )
    response.raise_for_status()
    offers = [offer["id"] for offer in response.json()]
    assert "ready-to-go-live" in offers, offers
    print(f"adal: token for {token['resource']} (expires in {token['expiresIn']} s); "
          f"{len(offers)} offers of contoso")


if __name__ == "__main__":
    main(*sys.argv[1:4])

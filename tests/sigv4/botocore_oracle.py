#!/usr/bin/python3
"""Signs the requests described in a JSON file with botocore, as an offline oracle for
src/objects/s3/sigv4_test.cc.

Usage: /usr/bin/python3 botocore_oracle.py CASES.json OUT.json

CASES.json is a list of cases; OUT.json gets one result object per case, in order:
  header:  {"authorization": ..., "content_sha256": ...}  (S3SigV4Auth)
  presign: {"url": ..., "signature": ...}                 (S3SigV4QueryAuth)
  post:    {"policy": base64, "signature": hex,           (S3SigV4PostAuth)
            "policy_json": botocore's policy re-dumped canonically,
            "ours_json": the case's own policy document re-dumped the same way}
Exits non-zero (and says why) when botocore cannot be imported.
"""
import base64
import datetime
import json
import sys
import types
from unittest import mock
from urllib.parse import quote, urlsplit, parse_qs

try:
    import botocore
    from botocore.auth import S3SigV4Auth, S3SigV4PostAuth, S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as e:  # the C++ test turns this into a failure
    print(f"botocore is not importable by {sys.executable}: {e}", file=sys.stderr)
    sys.exit(3)


def fixed_now(case):
    return datetime.datetime.strptime(case["time"], "%Y%m%dT%H%M%SZ")


def url_for(case, scheme):
    # Encoded independently of the C++ side: Python's quote, '/' and '~' kept.
    return f"{scheme}://{case['host']}{quote(case['path'], safe='/~')}"


def sign_header(case, creds):
    unsigned = case.get("unsigned", False)
    request = AWSRequest(
        method=case["method"],
        url=url_for(case, "https" if unsigned else "http"),
        data=case.get("body", "").encode("utf-8"),
    )
    for name, value in case["headers"]:
        request.headers[name] = value  # HTTPHeaders appends repeated names
    if case["query"]:
        request.params = [tuple(p) for p in case["query"]]
    if unsigned:
        request.context["client_config"] = types.SimpleNamespace(
            s3={"payload_signing_enabled": False})
    S3SigV4Auth(creds, "s3", case["region"]).add_auth(request)
    return {
        "authorization": request.headers["Authorization"],
        "content_sha256": request.headers["X-Amz-Content-SHA256"],
    }


def presign(case, creds):
    request = AWSRequest(method=case["method"], url=url_for(case, "https"))
    for name, value in case["headers"]:
        request.headers[name] = value
    if case["query"]:
        request.params = {k: v for k, v in case["query"]}
    S3SigV4QueryAuth(creds, "s3", case["region"], expires=case["expires"]).add_auth(request)
    query = parse_qs(urlsplit(request.url).query, keep_blank_values=True)
    return {"url": request.url, "signature": query["X-Amz-Signature"][0]}


def post(case, creds, now):
    conditions = []
    for c in case["conditions"]:
        if c["kind"] == "exact" and c["field"] == "bucket":
            conditions.append({"bucket": c["value"]})
        elif c["kind"] == "exact":
            conditions.append(["eq", "$" + c["field"], c["value"]])
        elif c["kind"] == "starts-with":
            conditions.append(["starts-with", "$" + c["field"], c["value"]])
        else:
            conditions.append(["content-length-range", c["min"], c["max"]])
    expiration = now + datetime.timedelta(seconds=case["expires"])
    policy = {"expiration": expiration.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
              "conditions": conditions}
    request = AWSRequest(method="POST", url=f"https://{case['host']}/")
    request.context["s3-presign-post-fields"] = {}
    request.context["s3-presign-post-policy"] = policy
    S3SigV4PostAuth(creds, "s3", case["region"]).add_auth(request)
    fields = request.context["s3-presign-post-fields"]
    canonical = lambda doc: json.dumps(json.loads(doc), sort_keys=True, ensure_ascii=False)
    return {
        "policy": fields["policy"],
        "signature": fields["x-amz-signature"],
        "policy_json": canonical(base64.b64decode(fields["policy"])),
        "ours_json": canonical(base64.b64decode(case["ours_policy"])),
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    results = []
    for case in cases:
        creds = Credentials(case["access"], case["secret"])
        now = fixed_now(case)
        with mock.patch("botocore.auth.datetime") as fake:
            fake.datetime.utcnow.return_value = now
            if case["type"] == "header":
                results.append(sign_header(case, creds))
            elif case["type"] == "presign":
                results.append(presign(case, creds))
            else:
                results.append(post(case, creds, now))
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump({"botocore": botocore.__version__, "results": results}, f,
                  ensure_ascii=False)


if __name__ == "__main__":
    main()

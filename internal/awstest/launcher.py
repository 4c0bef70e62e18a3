"""Serve moto 5.2.1 with the fidelity patches of packer-plugin-golden's test rig.

Usage: python3 launcher.py PORT

Each patch makes moto behave as the cited AWS documentation says; each has a Go
test in this package. GOLDEN_MOTO_PATCHES=0 serves stock moto (the control
endpoint stays) to show which of those tests fail without the patches.
Several patches reach private names of moto, so the version is pinned.
"""

import datetime
import json
import os
import re
import sys
import threading
import time

MOTO_VERSION = "5.2.1"

try:
    import moto
except ImportError:
    sys.stderr.write("moto not found\n")
    sys.exit(3)
if moto.__version__ != MOTO_VERSION:
    sys.stderr.write(f"moto {moto.__version__} found, the rig needs exactly {MOTO_VERSION}\n")
    sys.exit(4)

import moto.server
from cryptography.hazmat.primitives.asymmetric import utils
from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError, InvalidParameterDependency, InvalidParameterValue
from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import Ami, AmiBackend
from moto.ec2.models.elastic_block_store import Snapshot
from moto.ec2.responses.amis import AmisResponse
from moto.ec2.responses.elastic_block_store import ElasticBlockStore
from moto.kms.exceptions import ValidationException
from moto.kms.models import kms_backends
from moto.kms.responses import KmsResponse
from moto.kms.utils import ECDSAPrivateKey, RSAPrivateKey
from moto.moto_api._internal.models import MotoAPIBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from werkzeug.wrappers import Request, Response

# Copy behaviour, set by POST /_golden/config and cleared by /moto-api/reset.
DEFAULT_CONFIG = {
    "copy_pending_seconds": 0.0,  # a copy stays pending at least this long
    "copy_pending_polls": 0,  # ... and for this many DescribeImages calls that return it
    "copy_fail_regions": [],  # copies into these regions end in state "failed"
    "copy_stuck_regions": [],  # copies into these regions stay pending forever
}
config = dict(DEFAULT_CONFIG)
lock = threading.Lock()  # moto has none; copies from parallel region requests race
digest_request = threading.local()  # moto serves each request on its own thread


def state(backend, name):
    """Rig state kept on a region's EC2 backend, so that /moto-api/reset clears it."""
    return backend.__dict__.setdefault("_golden_" + name, {})


class IdempotentParameterMismatch(EC2ClientError):
    def __init__(self, token):
        super().__init__(
            "IdempotentParameterMismatch",
            f"Client token {token} was already used with different parameters.",
        )


def ebs_key_arn(account_id, region, key_id):
    """The ARN of the symmetric KMS key that EBS can use in region, or None."""
    if key_id.startswith("arn:") and key_id.split(":")[3] != region:
        return None  # the key must be in the destination region
    try:
        key = kms_backends[account_id][region].describe_key(key_id)
    except Exception:  # moto raises KeyError or AttributeError for unknown ids
        return None
    if not key.enabled or key.key_usage != "ENCRYPT_DECRYPT" or key.key_spec != "SYMMETRIC_DEFAULT":
        return None  # EBS takes enabled symmetric keys only
    return key.arn


def patch_copy_image():
    """CopyImage: Encrypted, KmsKeyId, ClientToken, TagSpecifications, CopyImageTags.

    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CopyImage.html
    https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html
    KmsKeyId is resolved in the destination region; an unusable key is reported
    asynchronously (the copy ends in state "failed"), as the KmsKeyId doc says.
    """

    def copy_image(self):
        self.error_on_dryrun()
        p = {k: self._get_param(k) for k in ("SourceImageId", "SourceRegion", "Name", "Description", "KmsKeyId", "ClientToken")}
        encrypted = self._get_bool_param("Encrypted", False)
        if p["KmsKeyId"] and not encrypted:
            raise InvalidParameterDependency("KmsKeyId", "Encrypted")
        tag_specs = self._get_param("TagSpecifications", [])
        for spec in tag_specs:
            if spec["ResourceType"] not in ("image", "snapshot"):
                raise InvalidParameterValue(f"'{spec['ResourceType']}' is not a valid taggable resource type for this operation.")
        backend = self.ec2_backend
        fingerprint = json.dumps([p, encrypted, tag_specs, self._get_bool_param("CopyImageTags", False)], sort_keys=True, default=str)
        with lock:
            tokens = state(backend, "copy_tokens")
            token = p["ClientToken"]
            if token and token in tokens:
                image_id, seen = tokens[token]
                if seen != fingerprint:
                    raise IdempotentParameterMismatch(token)
                return ActionResult({"ImageId": image_id})
            image = backend.copy_image(p["SourceImageId"], p["SourceRegion"], p["Name"], p["Description"])
            source_backend = ec2_backends[backend.account_id][p["SourceRegion"]]
            source = source_backend.describe_images(ami_ids=[p["SourceImageId"]])[0]
            for attr in ("root_device_type", "root_device_name", "boot_mode"):
                setattr(image, attr, getattr(source, attr))
            image.source_image_id, image.source_image_region = source.id, p["SourceRegion"]
            key_ok = encrypt_copy(backend, image, source, encrypted, p["KmsKeyId"])
            tag_copy(image, source_backend, source, tag_specs, self._get_bool_param("CopyImageTags", False))
            start_pending(backend, image, key_ok)
            if token:
                tokens[token] = (image.id, fingerprint)
        return ActionResult({"ImageId": image.id})

    def encrypt_copy(backend, image, source, encrypted, kms_key_id):
        if not (encrypted or source.ebs_snapshot.encrypted):
            return True  # unencrypted snapshots stay unencrypted
        arn = ebs_key_arn(backend.account_id, backend.region_name, kms_key_id or "alias/aws/ebs")
        image.ebs_snapshot.encrypted = True
        image.ebs_snapshot.kms_key_id = arn
        return arn is not None

    def tag_copy(image, source_backend, source, tag_specs, copy_image_tags):
        if copy_image_tags:
            user_tags = {k: v for k, v in sorted(source_backend.tags.get(source.id, {}).items()) if not k.startswith("aws:")}
            image.add_tags(user_tags)
        for spec in tag_specs:
            target = image if spec["ResourceType"] == "image" else image.ebs_snapshot
            target.add_tags({t["Key"]: t["Value"] for t in spec.get("Tags", [])})

    AmisResponse.copy_image = copy_image


def patch_block_device_mappings():
    """DescribeImages shows whether each EBS mapping is encrypted.

    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EbsBlockDevice.html
    (KmsKeyId there is request-only: DescribeSnapshots reports the key.)
    """
    original = Ami.block_device_mappings.fget

    def block_device_mappings(self):
        mappings = original(self)
        for m in mappings:
            m["Ebs"]["Encrypted"] = bool(self.ebs_snapshot.encrypted)
        return mappings

    Ami.block_device_mappings = property(block_device_mappings)


def start_pending(backend, image, key_ok):
    """Makes a fresh copy pending, as AWS reports copies until their snapshots complete."""
    region = backend.region_name
    state(backend, "copies")[image.id] = {
        "start": time.monotonic(),
        "polls": 0,
        "seconds": float(config["copy_pending_seconds"]),
        "polls_needed": int(config["copy_pending_polls"]),
        "fail": region in config["copy_fail_regions"] or not key_ok,
        "stuck": region in config["copy_stuck_regions"],
    }
    image.state = "pending"
    image.ebs_snapshot.status = "pending"
    image.ebs_snapshot.golden_progress = "0%"


def advance_copies(backend, polled_ids):
    """Moves pending copies on by elapsed time and by DescribeImages polls."""
    for image_id, c in state(backend, "copies").items():
        image = backend.amis.get(image_id)
        if image is None or image.state != "pending":
            continue
        elapsed = time.monotonic() - c["start"]
        done = min(
            elapsed / c["seconds"] if c["seconds"] > 0 else 1.0,
            c["polls"] / c["polls_needed"] if c["polls_needed"] > 0 else 1.0,
        )
        if polled_ids is None or image_id in polled_ids:
            c["polls"] += 1
        snapshot = image.ebs_snapshot
        if c["stuck"] or done < 1.0:
            snapshot.golden_progress = f"{min(int(done * 100), 99)}%"
        elif c["fail"]:
            image.state = "failed"
            image.state_reason = {"Code": "Server.InternalError", "Message": "Copy image failed with an internal error."}
            snapshot.status, snapshot.golden_progress = "error", "0%"
        else:
            image.state = "available"
            snapshot.status, snapshot.golden_progress = "completed", "100%"


def patch_copy_pending():
    """Copies stay pending while their snapshots copy; Progress grows to 100%.

    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeImages.html
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSnapshots.html
    Wraps the responses, not the backends (moto calls those internally), and
    advances before filtering, so a state=available filter sees the new state.
    """
    describe_images = AmisResponse.describe_images
    describe_snapshots = ElasticBlockStore.describe_snapshots

    def images(self):
        with lock:
            advance_copies(self.ec2_backend, set(self._get_param("ImageIds", [])) or None)
        return describe_images(self)

    def snapshots(self):
        with lock:
            advance_copies(self.ec2_backend, set())
        return describe_snapshots(self)

    AmisResponse.describe_images = images
    ElasticBlockStore.describe_snapshots = snapshots
    Snapshot.progress = property(lambda self: getattr(self, "golden_progress", "100%"))


def patch_create_image_snapshot_tags():
    """CreateImage applies a "snapshot" TagSpecification to the image's snapshots.

    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateImage.html
    """
    original = AmiBackend.create_image

    def create_image(self, instance_id, name, description, tag_specifications):
        snapshot_specs = [s for s in tag_specifications if s["ResourceType"] == "snapshot"]
        other_specs = [s for s in tag_specifications if s["ResourceType"] != "snapshot"]
        image = original(self, instance_id, name, description, tag_specifications=other_specs)
        for spec in snapshot_specs:
            image.ebs_snapshot.add_tags({t["Key"]: t["Value"] for t in spec.get("Tags", [])})
        return image

    AmiBackend.create_image = create_image


def patch_image_deprecation():
    """EnableImageDeprecation / DisableImageDeprecation set and clear DeprecationTime.

    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableImageDeprecation.html
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisableImageDeprecation.html
    DeprecateAt is rounded to the nearest minute and cannot be in the past.
    """

    def enable_image_deprecation(self):
        self.error_on_dryrun()
        image = self.ec2_backend.describe_images(ami_ids=[self._get_param("ImageId")])[0]
        at = self._get_param("DeprecateAt")
        if isinstance(at, str):
            at = datetime.datetime.fromisoformat(at.replace("Z", "+00:00"))
        at = at.astimezone(datetime.timezone.utc) + datetime.timedelta(seconds=30)
        at = at.replace(second=0, microsecond=0)
        if at < datetime.datetime.now(datetime.timezone.utc):
            raise InvalidParameterValue("The deprecation time can't be in the past.")
        image.deprecation_time = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return ActionResult({"Return": True})

    def disable_image_deprecation(self):
        self.error_on_dryrun()
        image = self.ec2_backend.describe_images(ami_ids=[self._get_param("ImageId")])[0]
        image.deprecation_time = None
        return ActionResult({"Return": True})

    AmisResponse.enable_image_deprecation = enable_image_deprecation
    AmisResponse.disable_image_deprecation = disable_image_deprecation


def patch_kms_digest():
    """KMS Sign/Verify with MessageType=DIGEST sign the given digest as is.

    https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
    https://docs.aws.amazon.com/kms/latest/APIReference/API_Verify.html
    moto hashes inside its key classes' private helpers; under DIGEST they
    return cryptography's Prehashed instead.
    """

    def with_message_type(handler):
        def wrapped(self):
            digest = self._get_param("MessageType") == "DIGEST"
            if digest:
                check_digest_length(self._get_param("Message"), self._get_param("SigningAlgorithm"))
            digest_request.on = digest
            try:
                return handler(self)
            finally:
                digest_request.on = False

        return wrapped

    def check_digest_length(message, algorithm):
        bits = algorithm.rsplit("_", 1)[-1]  # ECDSA_SHA_256, RSASSA_PSS_SHA_384...
        if isinstance(message, str):
            message = message.encode("utf-8")  # as moto's handlers do
        if bits.isdigit() and len(message) * 8 != int(bits):
            raise ValidationException(f"Digest is invalid length for algorithm {algorithm}.")

    def prehashed(h):
        return utils.Prehashed(h) if getattr(digest_request, "on", False) else h

    ecdsa_hash = ECDSAPrivateKey._ECDSAPrivateKey__hash_algorithm
    rsa_hash = RSAPrivateKey._RSAPrivateKey__padding_and_hash_algorithm

    def ecdsa_hash_algorithm(self, algorithm):
        return prehashed(ecdsa_hash(self, algorithm))

    def rsa_padding_and_hash_algorithm(self, algorithm):
        pad, h = rsa_hash(self, algorithm)
        return pad, prehashed(h)

    KmsResponse.sign = with_message_type(KmsResponse.sign)
    KmsResponse.verify = with_message_type(KmsResponse.verify)
    ECDSAPrivateKey._ECDSAPrivateKey__hash_algorithm = ecdsa_hash_algorithm
    RSAPrivateKey._RSAPrivateKey__padding_and_hash_algorithm = rsa_padding_and_hash_algorithm


# What EBS asks of KMS for the caller when it encrypts a copy with a key.
EBS_KMS_ACTIONS = ("CreateGrant", "Decrypt", "DescribeKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo")
IMAGE_ACTIONS = ("DeregisterImage", "ModifyImageAttribute", "ResetImageAttribute", "EnableImageDeprecation", "DisableImageDeprecation",
                 "EnableImageDeregistrationProtection", "DisableImageDeregistrationProtection")
SNAPSHOT_ACTIONS = ("DeleteSnapshot", "ModifySnapshotAttribute", "ResetSnapshotAttribute")
EC2_ARN_KINDS = {"ami": "image", "snap": "snapshot", "i": "instance", "vol": "volume", "sg": "security-group", "lt": "launch-template"}


def patch_iam_authorization():
    """IAM policies are matched against each request's resources and conditions.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html (resource ARNs, ec2:CreateAction)
    https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html (tags on create need ec2:CreateTags)
    https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html (an encrypted copy needs the key's KMS actions, via EC2)
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html (HeadBucket needs s3:ListBucket)
    https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html (needs no permission)
    moto 5.2.1 matches Resource against "*" outside S3 and denies any statement with a Condition.
    """
    from moto.core.exceptions import JsonRESTError, _RESTError
    from moto.iam.access_control import IAMPolicy, IAMRequestBase

    class UnauthorizedOperation(_RESTError):
        code = 403  # EC2's answer to a caller without permission

    def check_action_permitted(self, resource):
        if self._action == "sts:GetCallerIdentity":
            return
        policies = [IAMPolicy(p)._policy_json for p in self._access_key.collect_policies()]
        for action, arn, context in iam_requests(self, resource):
            context["aws:RequestedRegion"] = [self._region]
            if iam_allows(policies, action, arn, context):
                continue
            message = f"User: {self._access_key.arn} is not authorized to perform: {action} on resource: {arn}"
            if self._service in ("kms", "ssm"):
                raise JsonRESTError("AccessDeniedException", message)
            if self._service == "ec2":
                raise UnauthorizedOperation("UnauthorizedOperation", message)
            self._action = f"{action} on resource: {arn}"
            self._raise_access_denied()

    IAMRequestBase.check_action_permitted = check_action_permitted


def iam_requests(req, resource):
    """The (action, resource ARN, condition context) triples a request needs allowed."""
    service, action = req._action.split(":", 1)
    account, region = req.account_id, req._region
    if service == "s3":
        return [("s3:ListBucket" if action == "HeadBucket" else req._action, resource, {})]
    if service in ("kms", "ssm"):
        try:
            params = json.loads(req._body or b"{}")
        except ValueError:
            params = {}
        if service == "kms":
            return kms_requests(account, region, action, params.get("KeyId"), {})
        names = params.get("Names") or ([params["Name"]] if "Name" in params else [])
        if not names:
            return [(req._action, "*", {})]
        return [(req._action, f"arn:aws:ssm:{region}:{account}:parameter/{n.lstrip('/')}", {}) for n in names]
    if service == "ec2":  # a form: moto has parsed it into the query string
        params = {k: v[0] if isinstance(v, list) else v for k, v in req._data.items()}
        return ec2_requests(account, region, action, params)
    return [(req._action, "*", {})]


def kms_requests(account, region, action, key_id, context):
    """KMS actions on a key, with its aliases (kms:ResourceAliases) in the context."""
    if not key_id:
        return [(f"kms:{action}", "*", context)]
    try:
        key = kms_backends[account][region].describe_key(key_id)
        arn, aliases = key.arn, sorted(key.aliases)
    except Exception:  # unknown key: authorized against its would-be ARN, then NotFound
        arn, aliases = f"arn:aws:kms:{region}:{account}:key/{key_id}", []
    return [(f"kms:{action}", arn, dict(context, **{"kms:ResourceAliases": aliases}))]


def ec2_requests(account, region, action, p):
    backend = ec2_backends[account][region]

    def arn(resource_id):
        kind = EC2_ARN_KINDS.get(resource_id.split("-")[0])
        if kind is None:
            return "*"
        owner = "" if kind == "image" else account
        return f"arn:aws:ec2:{region}:{owner}:{kind}/{resource_id}"

    def tags(resource_id):
        return {f"aws:ResourceTag/{k}": [v] for k, v in backend.tags.get(resource_id, {}).items()}

    def indexed(prefix, suffix=""):
        return [v for k, v in sorted(p.items()) if k.startswith(prefix) and k.endswith(suffix)]

    if action == "CopyImage":
        reqs = [("ec2:CopyImage", f"arn:aws:ec2:{region}::image/*", {})]
        for kind in indexed("TagSpecification.", ".ResourceType"):
            owner = "" if kind == "image" else account
            reqs.append(("ec2:CreateTags", f"arn:aws:ec2:{region}:{owner}:{kind}/*", {"ec2:CreateAction": ["CopyImage"]}))
        if p.get("Encrypted") == "true":
            via = {"kms:ViaService": [f"ec2.{region}.amazonaws.com"]}
            for a in EBS_KMS_ACTIONS:
                reqs += kms_requests(account, region, a, p.get("KmsKeyId") or "alias/aws/ebs", via)
        return reqs
    if action in ("CreateTags", "DeleteTags"):
        return [(f"ec2:{action}", arn(r), tags(r)) for r in indexed("ResourceId.")]
    if action in IMAGE_ACTIONS and "ImageId" in p:
        return [(f"ec2:{action}", arn(p["ImageId"]), tags(p["ImageId"]))]
    if action in SNAPSHOT_ACTIONS and "SnapshotId" in p:
        return [(f"ec2:{action}", arn(p["SnapshotId"]), tags(p["SnapshotId"]))]
    return [(f"ec2:{action}", "*", {})]


def glob_match(pattern, value, ignore_case=False):
    flags = re.IGNORECASE if ignore_case else 0
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), value, flags) is not None


def iam_allows(policies, action, resource, context):
    """Evaluation logic: an explicit Deny wins, else some Allow is needed."""
    allowed = False
    for doc in policies:
        statements = doc.get("Statement", [])
        for st in [statements] if isinstance(statements, dict) else statements:
            if not (iam_element(st, "Action", action, True) and iam_element(st, "Resource", resource, False)
                    and iam_conditions(st.get("Condition", {}), context)):
                continue
            if st.get("Effect") == "Deny":
                return False
            allowed = allowed or st.get("Effect") == "Allow"
    return allowed


def iam_element(st, name, value, ignore_case):
    for key, negate in ((name, False), ("Not" + name, True)):
        if key in st:
            patterns = st[key] if isinstance(st[key], list) else [st[key]]
            return any(glob_match(x, value, ignore_case) for x in patterns) != negate
    return name == "Resource"  # a statement without Resource (a trust policy) covers any


STRING_TESTS = {
    "StringEquals": lambda have, want: have == want,
    "StringNotEquals": lambda have, want: have == want,
    "StringEqualsIgnoreCase": lambda have, want: have.lower() == want.lower(),
    "StringLike": glob_match,
    "StringNotLike": glob_match,
    "ArnEquals": lambda have, want: have == want,
    "ArnLike": glob_match,
    "Bool": lambda have, want: have.lower() == str(want).lower(),
}


def iam_conditions(conditions, context):
    keys = {k.lower(): v for k, v in context.items()}
    for operator, entries in conditions.items():
        qualifier, _, op = operator.rpartition(":")
        if_exists = op.endswith("IfExists")
        op = op.removesuffix("IfExists")
        for key, want in entries.items():
            wants = [str(w) for w in (want if isinstance(want, list) else [want])]
            have = keys.get(key.lower())
            if op == "Null":
                if (wants[0].lower() == "true") != (not have):
                    return False
                continue
            if op not in STRING_TESTS:
                raise ValueError(f"condition operator {operator} is not modelled by the rig")
            if have is None or have == []:
                if if_exists or qualifier == "ForAllValues":
                    continue
                return False
            negated = "Not" in op

            def holds(h):
                return any(STRING_TESTS[op](h, w) for w in wants) != negated

            ok = all(holds(h) for h in have) if qualifier == "ForAllValues" else any(holds(h) for h in have)
            if not ok:
                return False
    return True


def parse_config(update):
    """Checks a POSTed config: known keys, each of its default's type."""
    unknown = sorted(set(update) - set(DEFAULT_CONFIG))
    if unknown:
        raise ValueError(f"unknown keys {unknown}, known: {sorted(DEFAULT_CONFIG)}")
    for key, value in update.items():
        if isinstance(DEFAULT_CONFIG[key], list):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        else:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
        if not ok:
            raise ValueError(f"{key}: {value!r} is not a {'list of region names' if isinstance(DEFAULT_CONFIG[key], list) else 'number >= 0'}")
    return update


def serve_control():
    """GET/POST /_golden/config: the copy behaviour above, as JSON."""
    dispatch = DomainDispatcherApplication.__call__

    def call(self, environ, start_response):
        if environ.get("PATH_INFO") != "/_golden/config":
            return dispatch(self, environ, start_response)
        request = Request(environ)
        if request.method == "POST":
            try:
                update = parse_config(request.get_json(force=True))
            except Exception as e:
                return Response(json.dumps({"error": str(e)}), 400, mimetype="application/json")(environ, start_response)
            with lock:
                config.clear()
                config.update(DEFAULT_CONFIG, **update)
        return Response(json.dumps(config, sort_keys=True), mimetype="application/json")(environ, start_response)

    DomainDispatcherApplication.__call__ = call

    reset = MotoAPIBackend.reset

    def reset_config(self):
        reset(self)
        with lock:
            config.clear()
            config.update(DEFAULT_CONFIG)

    MotoAPIBackend.reset = reset_config


PATCHES = (
    patch_copy_image,
    patch_block_device_mappings,
    patch_copy_pending,
    patch_create_image_snapshot_tags,
    patch_image_deprecation,
    patch_kms_digest,
    patch_iam_authorization,
)

if __name__ == "__main__":
    if os.environ.get("GOLDEN_MOTO_PATCHES", "1") != "0":
        for patch in PATCHES:
            patch()
    serve_control()
    moto.server.main(["-H", "127.0.0.1", "-p", sys.argv[1]])

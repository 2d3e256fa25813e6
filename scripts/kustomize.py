#!/usr/bin/env python3
"""A small Kustomize renderer for this repository's deploy/kubernetes/, and nothing more.

    python3 scripts/kustomize.py deploy/kubernetes/overlays/production    # YAML on stdout

Why it exists: no package registry this project uses (crates.io, npm, PyPI, Debian) ships
kustomize, so scripts/check-kubernetes.sh renders the overlays with this script. Where
`kubectl kustomize` is installed (kubectl bundles kustomize), the check renders with it too and
fails if the two disagree, so this script is held to the real one on every machine that has it.

It implements the subset of kustomization.yaml that deploy/kubernetes/ uses, and refuses (exit 2)
any field it does not implement rather than render it wrongly:
  - resources: YAML files and directories holding a kustomization.yaml, in order
  - namespace: set on every namespaced resource (not on Namespace or other cluster-scoped kinds)
  - images: name -> newName / newTag / digest, in containers and initContainers
  - patches: strategic-merge patches from `path:` or `patch:` (one resource per document, found
    by kind and name, or `target:`), including `$patch: delete` of a whole resource;
    maps merge, `null` removes a key, lists of containers / initContainers / env / volumes /
    imagePullSecrets merge by `name` and volumeMounts by `mountPath` (the patch's items first,
    then the others, as kustomize orders them), other lists are replaced (as Kubernetes' merge
    keys make kustomize do). JSON 6902 patches are refused.
Needs PyYAML (in the .tools venv through kubernetes-validate).
"""
import copy
import os
import sys

import yaml

SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
    "StorageClass", "PriorityClass", "IngressClass", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "RuntimeClass", "Node",
}
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
    "volumes": "name", "imagePullSecrets": "name", "volumeMounts": "mountPath",
}


class Unsupported(Exception):
    pass


def load_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def kustomization_file(directory):
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        p = os.path.join(directory, name)
        if os.path.isfile(p):
            return p
    raise Unsupported(f"{directory}: no kustomization.yaml")


def ident(res):
    return (res.get("kind"), res.get("metadata", {}).get("name"))


def render(directory):
    kfile = kustomization_file(directory)
    (k,) = load_docs(kfile)
    unknown = set(k) - SUPPORTED
    if unknown:
        raise Unsupported(f"{kfile}: {sorted(unknown)} not implemented here (use kubectl kustomize)")
    out = []
    for entry in k.get("resources") or []:
        path = os.path.normpath(os.path.join(directory, entry))
        if os.path.isdir(path):
            out.extend(render(path))
        elif os.path.isfile(path):
            out.extend(load_docs(path))
        else:
            raise Unsupported(f"{kfile}: resource {entry!r} is neither a file nor a directory (remote bases are not implemented)")
    seen = set()
    for res in out:
        key = (ident(res), res.get("metadata", {}).get("namespace"))
        if key in seen:
            raise Unsupported(f"{kfile}: {key} defined twice")
        seen.add(key)
    # kustomize's order of built-in transformers: patches, namespace, images
    for p in k.get("patches") or []:
        out = apply_patch(out, p, directory, kfile)
    if "namespace" in k:
        for res in out:
            if res.get("kind") not in CLUSTER_SCOPED:
                res.setdefault("metadata", {})["namespace"] = k["namespace"]
    for img in k.get("images") or []:
        for res in out:
            set_images(res, img)
    return out


def apply_patch(resources, p, directory, kfile):
    if set(p) - {"path", "patch", "target"}:
        raise Unsupported(f"{kfile}: patch options {sorted(set(p) - {'path', 'patch', 'target'})} not implemented")
    if "path" in p:
        docs = load_docs(os.path.join(directory, p["path"]))
    else:
        docs = [d for d in yaml.safe_load_all(p["patch"]) if d is not None]
    for doc in docs:
        if not isinstance(doc, dict):
            raise Unsupported(f"{kfile}: JSON 6902 patches are not implemented")
        target = p.get("target") or {"kind": doc.get("kind"), "name": doc.get("metadata", {}).get("name")}
        if set(target) - {"kind", "name"}:
            raise Unsupported(f"{kfile}: target fields {sorted(set(target) - {'kind', 'name'})} not implemented")
        hits = [r for r in resources if ident(r) == (target["kind"], target["name"])]
        if len(hits) != 1:
            raise Unsupported(f"{kfile}: patch target {target} matches {len(hits)} resources, not one")
        if doc.get("$patch") == "delete":
            resources = [r for r in resources if r is not hits[0]]
            continue
        body = {key: value for key, value in doc.items() if key not in ("apiVersion", "kind")}
        merged = merge(hits[0], body, "")
        resources = [merged if r is hits[0] else r for r in resources]
    return resources


def merge(base, patch, field):
    """Strategic merge of `patch` into `base` (a copy is returned)."""
    if isinstance(patch, dict):
        if "$patch" in patch or any(k.startswith("$") for k in patch):
            raise Unsupported(f"{field}: patch directives other than a top-level $patch: delete are not implemented")
        if not isinstance(base, dict):
            return copy.deepcopy(patch)
        out = copy.deepcopy(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = merge(out[key], value, key)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if isinstance(patch, list) and field in MERGE_KEYS and isinstance(base, list):
        # as kustomize orders them: the patch's items first (merged or new, in the patch's
        # order), then the original items the patch did not name, in their order
        key = MERGE_KEYS[field]
        out, named = [], set()
        for item in patch:
            if not isinstance(item, dict) or key not in item:
                raise Unsupported(f"{field}: every item needs its merge key {key!r}")
            old = [b for b in base if isinstance(b, dict) and b.get(key) == item[key]]
            out.append(merge(old[0], item, "") if old else copy.deepcopy(item))
            named.add(item[key])
        out.extend(copy.deepcopy(b) for b in base if not (isinstance(b, dict) and b.get(key) in named))
        return out
    return copy.deepcopy(patch)


def split_image(image):
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    name, tag = image, None
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        name, tag = image[:colon], image[colon + 1:]
    return name, tag, digest


def set_images(node, img):
    if set(img) - {"name", "newName", "newTag", "digest"}:
        raise Unsupported(f"images: fields {sorted(set(img) - {'name', 'newName', 'newTag', 'digest'})} not implemented")
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                for c in value:
                    if isinstance(c, dict) and isinstance(c.get("image"), str):
                        name, tag, digest = split_image(c["image"])
                        if name != img["name"]:
                            continue
                        name = img.get("newName", name)
                        if "digest" in img:
                            c["image"] = f"{name}@{img['digest']}"
                        elif "newTag" in img:
                            c["image"] = f"{name}:{img['newTag']}"
                        else:
                            c["image"] = name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
            else:
                set_images(value, img)
    elif isinstance(node, list):
        for item in node:
            set_images(item, img)


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        docs = render(argv[1])
    except Unsupported as e:
        print(f"kustomize.py: {e}", file=sys.stderr)
        return 2
    yaml.safe_dump_all(docs, sys.stdout, sort_keys=False, default_flow_style=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

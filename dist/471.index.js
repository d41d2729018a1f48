export const id = 471;
export const ids = [471];
export const modules = {

/***/ 6471:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  readImageDefinitionFile: () => (/* binding */ readImageDefinitionFile)
});

// UNUSED EXPORTS: ImageDefinitionError

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/ajv/dist/ajv.js
var ajv = __webpack_require__(2463);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./schema/image-definition.schema.json
const image_definition_schema_namespaceObject = /*#__PURE__*/JSON.parse('{"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://github.com/azure-image-build/azure-image-build/schema/image-definition.schema.json","title":"azure-image-build image definition","description":"One YAML file describes one image: where it starts, what runs on it and where it is published. The action reads it through its `config` input; inputs given explicitly in `with:` override the values here. Relative script paths are relative to this file\'s directory.","type":"object","additionalProperties":false,"required":["base-image","target"],"definitions":{"resourceName":{"type":"string","minLength":1,"maxLength":90,"pattern":"^[A-Za-z0-9._()-]+$","description":"An Azure resource name: letters, digits, \'.\', \'_\', \'-\', \'(\' and \')\'.","examples":["rg-images"]},"region":{"type":"string","pattern":"^[a-z][a-z0-9]*$","description":"An Azure region name in lower case without spaces, as `az account list-locations -o table` prints it.","examples":["eastus","westeurope"]},"resourceId":{"type":"string","pattern":"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/.+$","description":"A full Azure resource ID starting with /subscriptions/.","examples":["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/build"]},"storageAccountType":{"type":"string","enum":["Standard_LRS","Standard_ZRS","Premium_LRS"],"description":"Storage of the replicas: Standard_LRS, Standard_ZRS or Premium_LRS."},"minutes":{"type":"integer","minimum":1,"maximum":1440,"description":"A whole number of minutes between 1 and 1440."},"galleryName":{"type":"string","pattern":"^[A-Za-z0-9]([A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$","description":"A gallery name: 1 to 80 letters, digits, underscores and periods (no hyphens), starting and ending with a letter or digit.","examples":["contoso_images"]},"imageDefinitionName":{"type":"string","pattern":"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9])?$","description":"An image definition name: 1 to 80 letters, digits, underscores, hyphens and periods, starting and ending with a letter or digit.","examples":["ubuntu-24.04"]}},"properties":{"$schema":{"type":"string","description":"Optional: the location of this schema, for editors."},"base-image":{"description":"Where the build starts: a Marketplace URN `publisher:offer:sku:version` (version may be `latest`), a managed image ID, a gallery image version ID, a gallery image definition ID (its latest version) or the https URL of a VHD. May also be written as a map of publisher, offer, sku and version.","examples":["Canonical:ubuntu-24_04-lts:server:latest"],"oneOf":[{"type":"string","minLength":1},{"type":"object","additionalProperties":false,"required":["publisher","offer","sku"],"properties":{"publisher":{"type":"string","minLength":1,"description":"Marketplace publisher, e.g. Canonical."},"offer":{"type":"string","minLength":1,"description":"Marketplace offer, e.g. ubuntu-24_04-lts."},"sku":{"type":"string","minLength":1,"description":"Marketplace SKU, e.g. server. Quote SKUs that look like numbers (\'22.04\')."},"version":{"type":"string","minLength":1,"default":"latest","description":"Image version, or latest (resolved at build time)."}}}]},"source":{"type":"object","description":"Properties of a VHD source that Azure cannot read from the file itself.","additionalProperties":false,"properties":{"os-type":{"type":"string","enum":["Linux","Windows"],"description":"Operating system of the VHD: Linux or Windows."},"hyper-v-generation":{"type":"string","enum":["V1","V2"],"description":"Hyper-V generation of the VHD: V1 (BIOS) or V2 (UEFI)."},"os-state":{"type":"string","enum":["Generalized","Specialized"],"description":"Whether the VHD is Generalized or Specialized."},"storage-account-id":{"type":"string","pattern":"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft.Storage/storageAccounts/[^/]+$","description":"Resource ID of the storage account holding the VHD (Azure\'s disk import needs it)."}}},"location":{"$ref":"#/definitions/region","description":"Region to build in. Default: the location of the target resource group."},"scripts":{"type":"array","description":"Scripts run on the build VM in order (bash on Linux, PowerShell on Windows), as file paths or globs relative to this file. An entry may be a map with `path` and `restart-after: true` (Windows: restart the VM after that script).","items":{"oneOf":[{"type":"string","minLength":1},{"type":"object","additionalProperties":false,"required":["path"],"properties":{"path":{"type":"string","minLength":1,"description":"Script file or glob, relative to this file."},"restart-after":{"type":"boolean","description":"Restart the VM after this script and wait until it and its agent are back."}}}]}},"inline-script":{"type":"string","description":"Commands run after the scripts."},"script-timeout-minutes":{"$ref":"#/definitions/minutes","description":"Time limit for each script, in minutes."},"windows-update":{"type":"boolean","description":"Windows: install updates (with the restarts they need) before generalizing."},"generalize":{"type":"boolean","description":"true (default): deprovision/sysprep and capture a generalized image. false: capture the VM as it is into a Specialized gallery definition."},"generalize-timeout-minutes":{"$ref":"#/definitions/minutes","description":"Time limit for waagent deprovisioning or sysprep, in minutes."},"accept-marketplace-terms":{"type":"boolean","description":"Accept the Marketplace terms of a base image that carries a purchase plan."},"vm":{"type":"object","description":"The temporary build VM.","additionalProperties":false,"properties":{"size":{"type":"string","pattern":"^[A-Za-z0-9_]+$","description":"VM size, e.g. Standard_D2s_v5.","examples":["Standard_D2s_v5"]},"os-disk-size-gb":{"type":"integer","minimum":1,"maximum":4095,"description":"OS disk size in GB (whole number up to 4095)."},"spot":{"type":"boolean","description":"Build on a Spot VM (cheaper; an eviction fails the build and cleans up)."},"data-disks":{"type":"array","description":"Empty data disks attached to the build VM, one size in GB each; the image carries them with their LUNs (0, 1, ...).","items":{"type":"integer","minimum":1,"maximum":32767,"description":"Data disk size in GB (whole number up to 32767)."}},"security-type":{"type":"string","enum":["Standard","TrustedLaunch"],"description":"Standard or TrustedLaunch (secure boot and vTPM)."}}},"target":{"type":"object","description":"Where the image goes: a managed image (image-name), a gallery version (gallery), or both.","additionalProperties":false,"required":["resource-group"],"properties":{"image-name":{"$ref":"#/definitions/resourceName","description":"Name of the managed image to create."},"resource-group":{"$ref":"#/definitions/resourceName","description":"Resource group where the outputs live (must exist)."},"gallery":{"type":"object","description":"Azure Compute Gallery publishing.","additionalProperties":false,"required":["name","image-definition"],"properties":{"name":{"$ref":"#/definitions/galleryName"},"resource-group":{"$ref":"#/definitions/resourceName","description":"Resource group of the gallery. Default: target.resource-group."},"image-definition":{"$ref":"#/definitions/imageDefinitionName"},"version":{"type":"string","pattern":"^[0-9]+\\\\.[0-9]+\\\\.[0-9]+$","description":"Version name Major.Minor.Patch, digits only. Default: derived from the release tag, or from the run for pushes.","examples":["1.2.3"]},"publisher":{"type":"string","minLength":1,"description":"Publisher of the image definition, used when it is created."},"offer":{"type":"string","minLength":1,"description":"Offer of the image definition, used when it is created."},"sku":{"type":"string","minLength":1,"description":"SKU of the image definition, used when it is created. Quote SKUs that look like numbers (\'22.04\')."},"target-regions":{"type":"array","description":"Regions to replicate to (the build region is always included): a region name, or a map with name, replicas and disk-encryption-set. The storage type of the replicas is `storage-account-type`, for all regions.","items":{"oneOf":[{"$ref":"#/definitions/region"},{"type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"$ref":"#/definitions/region"},"replicas":{"type":"integer","minimum":1,"maximum":100,"description":"Replica count in this region (1 to 100)."},"disk-encryption-set":{"$ref":"#/definitions/resourceId","description":"Disk encryption set (customer-managed key) for the replicas in this region."}}}]}},"storage-account-type":{"$ref":"#/definitions/storageAccountType","description":"Default storage of the replicas: Standard_LRS, Standard_ZRS or Premium_LRS."},"exclude-from-latest":{"type":"boolean","description":"Keep this version from being picked as `latest`."},"end-of-life-date":{"type":"string","pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\\\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$","description":"End-of-life date of the version, ISO 8601 (YYYY-MM-DD or a date-time).","examples":["2027-06-30"]},"replication-mode":{"type":"string","enum":["Full","Shallow"],"description":"Full, or Shallow for quick test builds."},"disk-encryption-sets":{"type":"object","description":"Disk encryption set ID per region (customer-managed keys), as region: ID.","propertyNames":{"$ref":"#/definitions/region"},"additionalProperties":{"$ref":"#/definitions/resourceId"}},"replication-timeout-minutes":{"$ref":"#/definitions/minutes","description":"Time limit for replication to every region, in minutes."},"publish-build-region-first":{"type":"boolean","description":"Publish in the build region, set the outputs, then add the other regions."},"overwrite-version":{"type":"boolean","description":"Replace an existing version with the same name."}}}}},"build":{"type":"object","description":"Where and how the temporary resources live.","additionalProperties":false,"properties":{"resource-group":{"$ref":"#/definitions/resourceName","description":"An existing resource group to build in. Default: a temporary group, deleted afterwards."},"subnet-id":{"$ref":"#/definitions/resourceId","description":"An existing subnet for the build VM. Default: a temporary isolated network."},"keep-resources-on-failure":{"type":"boolean","description":"Keep the temporary resources when the build fails, for debugging."},"wait-for-cleanup":{"type":"boolean","description":"Wait until the temporary resources are deleted."}}},"tags":{"type":"object","description":"Tags put on every resource the build creates, as name: value. Quote values that look like numbers or booleans.","additionalProperties":{"type":"string","maxLength":256},"propertyNames":{"type":"string","minLength":1,"maxLength":512,"pattern":"^[^<>%&\\\\\\\\?/=\\\\n]+$","description":"A tag name: up to 512 characters, none of < > % & \\\\ ? / = (Azure forbids the first six; = separates name and value in the tags input)."}}}}');
;// CONCATENATED MODULE: ./src/core/image-definition-file.ts
// Image definition files: one YAML file describes one image (base image, scripts, target,
// regions, VM settings). This module reads such a file, validates it against
// schema/image-definition.schema.json and turns it into the flat action inputs it stands for,
// as strings exactly as the action would receive them from `with:`. The adapter merges them
// under the explicit inputs (explicit inputs win), so the rest of the action parses one kind
// of input only.





/** Thrown for an unreadable or invalid file; `problems` holds one line per problem. */
class ImageDefinitionError extends Error {
    file;
    problems;
    constructor(file, problems) {
        super(problems.join('\n'));
        this.file = file;
        this.problems = problems;
        this.name = 'ImageDefinitionError';
    }
}
// Compiled on first use, not at import: compiling the schema (and Ajv's meta-schema) takes ~0.3 s of
// CPU, which every run of the action paid before its first request even without a definition file.
let validator;
const validatorOf = () => (validator ??= new ajv.Ajv({ allErrors: true, verbose: true, strict: true }).compile(image_definition_schema_namespaceObject));
/**
 * Reads one image definition file and returns the action inputs it stands for, keyed by
 * input name (`base-image`, `scripts`, `gallery-image-definition`, ...). Only the fields
 * present in the file appear. Throws an ImageDefinitionError naming the file, the field and
 * the fix when the file cannot be read or breaks the schema.
 */
function readImageDefinitionFile(file, options = {}) {
    const workspace = external_node_path_.resolve(options.workspace ?? process.env.GITHUB_WORKSPACE ?? process.cwd());
    let text;
    try {
        text = (0,external_node_fs_.readFileSync)(file, 'utf8');
    }
    catch (err) {
        const reason = err.code ?? String(err);
        throw new ImageDefinitionError(file, [
            `${file}: cannot read the image definition file (${reason}); check the path given to the config input (relative to the workspace ${workspace})`,
        ]);
    }
    const lines = new dist/* LineCounter */.HN();
    const doc = (0,dist/* parseDocument */.Tp)(text, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length > 0) {
        throw new ImageDefinitionError(file, doc.errors.map((e) => {
            const at = e.pos ? ` (line ${lines.linePos(e.pos[0]).line})` : '';
            return `${file}${at}: not valid YAML: ${e.message.split('\n')[0]}; fix the syntax at that line`;
        }));
    }
    const data = doc.toJS();
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new ImageDefinitionError(file, [
            `${file}: an image definition must be a map of fields (base-image, scripts, target, ...), got ${describe(data)}; see schema/image-definition.schema.json`,
        ]);
    }
    const validate = validatorOf();
    if (!validate(data)) {
        const where = new Locator(doc, lines, text);
        throw new ImageDefinitionError(file, explain(validate.errors ?? [], where, file));
    }
    const def = data;
    const problems = [];
    if (def.target['image-name'] === undefined && def.target.gallery === undefined) {
        problems.push(`${file}: field 'target' names no output: add 'target.image-name' (a managed image), 'target.gallery' (a gallery version), or both`);
    }
    const inputs = toInputs(def, external_node_path_.dirname(external_node_path_.resolve(file)), workspace, file, problems);
    if (problems.length > 0)
        throw new ImageDefinitionError(file, problems);
    return inputs;
}
function toInputs(def, dir, workspace, file, problems) {
    const out = {};
    const set = (name, value) => {
        if (value !== undefined)
            out[name] = String(value);
    };
    const base = def['base-image'];
    set('base-image', typeof base === 'string'
        ? base
        : `${base.publisher}:${base.offer}:${base.sku}:${base.version ?? 'latest'}`);
    set('source-os-type', def.source?.['os-type']);
    set('source-hyper-v-generation', def.source?.['hyper-v-generation']);
    set('source-os-state', def.source?.['os-state']);
    set('source-storage-account-id', def.source?.['storage-account-id']);
    set('location', def.location);
    if (def.scripts !== undefined) {
        const scripts = [];
        const restartAfter = [];
        def.scripts.forEach((entry, i) => {
            const given = typeof entry === 'string' ? entry : entry.path;
            const resolved = resolveScript(given, dir, workspace);
            const field = typeof entry === 'string' ? `scripts[${i}]` : `scripts[${i}].path`;
            const glob = /[*?[\]{}]/.test(given);
            if (glob && typeof entry !== 'string' && entry['restart-after'] === true) {
                problems.push(`${file}: field 'scripts[${i}].restart-after' is set on the glob '${given}'; name one script file in 'path' to restart after it`);
            }
            if (!glob && !(0,external_node_fs_.existsSync)(external_node_path_.resolve(dir, given))) {
                problems.push(`${file}: field '${field}' names '${given}', which does not exist (looked for ${external_node_path_.resolve(dir, given)}); script paths are relative to the file's directory ${displayDir(dir, workspace)}`);
            }
            scripts.push(resolved);
            if (typeof entry !== 'string' && entry['restart-after'] === true)
                restartAfter.push(resolved);
        });
        set('scripts', scripts.join('\n'));
        if (restartAfter.length > 0)
            set('restart-after', restartAfter.join('\n'));
    }
    set('inline-script', def['inline-script']);
    set('script-timeout-minutes', def['script-timeout-minutes']);
    set('windows-update', def['windows-update']);
    set('generalize', def.generalize);
    set('generalize-timeout-minutes', def['generalize-timeout-minutes']);
    set('accept-marketplace-terms', def['accept-marketplace-terms']);
    set('vm-size', def.vm?.size);
    set('os-disk-size-gb', def.vm?.['os-disk-size-gb']);
    set('spot', def.vm?.spot);
    if (def.vm?.['data-disks'] !== undefined)
        set('data-disks', def.vm['data-disks'].join('\n'));
    set('security-type', def.vm?.['security-type']);
    set('image-name', def.target['image-name']);
    set('resource-group', def.target['resource-group']);
    const gallery = def.target.gallery;
    if (gallery !== undefined) {
        set('gallery', gallery.name);
        set('gallery-resource-group', gallery['resource-group']);
        set('gallery-image-definition', gallery['image-definition']);
        set('gallery-image-version', gallery.version);
        set('gallery-image-publisher', gallery.publisher);
        set('gallery-image-offer', gallery.offer);
        set('gallery-image-sku', gallery.sku);
        const encryption = new Map(Object.entries(gallery['disk-encryption-sets'] ?? {}));
        if (gallery['target-regions'] !== undefined) {
            const regions = gallery['target-regions'].map((entry, i) => {
                if (typeof entry === 'string')
                    return entry;
                const des = entry['disk-encryption-set'];
                if (des !== undefined) {
                    const other = encryption.get(entry.name);
                    if (other !== undefined && other !== des) {
                        problems.push(`${file}: field 'target.gallery.target-regions[${i}].disk-encryption-set' differs from 'target.gallery.disk-encryption-sets.${entry.name}'; name the disk encryption set for ${entry.name} in one place only`);
                    }
                    encryption.set(entry.name, des);
                }
                // The target-regions input takes `region` or `region=replicas`.
                return entry.replicas !== undefined ? `${entry.name}=${entry.replicas}` : entry.name;
            });
            set('target-regions', regions.join(', '));
        }
        set('storage-account-type', gallery['storage-account-type']);
        set('exclude-from-latest', gallery['exclude-from-latest']);
        set('end-of-life-date', gallery['end-of-life-date']);
        set('replication-mode', gallery['replication-mode']);
        if (encryption.size > 0)
            set('disk-encryption-sets', keyValueLines(encryption));
        set('replication-timeout-minutes', gallery['replication-timeout-minutes']);
        set('publish-build-region-first', gallery['publish-build-region-first']);
        set('overwrite-version', gallery['overwrite-version']);
    }
    set('build-resource-group', def.build?.['resource-group']);
    set('subnet-id', def.build?.['subnet-id']);
    set('keep-resources-on-failure', def.build?.['keep-resources-on-failure']);
    set('wait-for-cleanup', def.build?.['wait-for-cleanup']);
    if (def.tags !== undefined && Object.keys(def.tags).length > 0) {
        set('tags', keyValueLines(new Map(Object.entries(def.tags))));
    }
    return out;
}
function displayDir(dir, workspace) {
    const relative = external_node_path_.relative(workspace, dir);
    return relative === '' ? '.' : relative.startsWith('..') || external_node_path_.isAbsolute(relative) ? dir : relative;
}
function keyValueLines(map) {
    return [...map].map(([k, v]) => `${k}=${v}`).join('\n');
}
/** A script path relative to the definition file -> relative to the workspace (or absolute outside it). */
function resolveScript(given, dir, workspace) {
    const absolute = external_node_path_.resolve(dir, given);
    const relative = external_node_path_.relative(workspace, absolute);
    const inside = relative !== '' && !relative.startsWith('..') && !external_node_path_.isAbsolute(relative);
    return (inside ? relative : absolute).split(external_node_path_.sep).join('/');
}
/** Finds line numbers of fields in the parsed document. */
class Locator {
    doc;
    lines;
    text;
    constructor(doc, lines, text) {
        this.doc = doc;
        this.lines = lines;
        this.text = text;
    }
    line(segments, key) {
        const node = segments.length === 0 ? this.doc.contents : this.doc.getIn(segments, true);
        if (key !== undefined && (0,dist/* isMap */.jh)(node)) {
            const pair = node.items.find((p) => (0,dist/* isScalar */.jn)(p.key) && String(p.key.value) === key);
            const range = (0,dist/* isScalar */.jn)(pair?.key) ? pair.key.range : undefined;
            if (range)
                return this.lines.linePos(range[0]).line;
        }
        const range = node?.range;
        return range ? this.lines.linePos(range[0]).line : undefined;
    }
    /** The value as written in the file (so 22.10 stays 22.10, not 22.1). */
    source(segments) {
        const node = this.doc.getIn(segments, true);
        return (0,dist/* isScalar */.jn)(node) && node.range ? this.text.slice(node.range[0], node.range[1]) : undefined;
    }
}
function segmentsOf(pointer) {
    if (pointer === '')
        return [];
    return pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
function dotted(segments) {
    return segments.reduce((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc === '' ? s : `${acc}.${s}`), '');
}
function describe(value) {
    if (value === null || value === undefined)
        return 'nothing';
    if (Array.isArray(value))
        return 'a list';
    if (typeof value === 'object')
        return 'a map';
    if (typeof value === 'string')
        return `'${value}'`;
    return `${String(value)} (a ${typeof value})`;
}
function explain(errors, where, file) {
    // A oneOf failure comes with the errors of every branch. Keep the branch whose type matches
    // the data (a string for the short form, a map for the long one); drop the others.
    const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
    const kept = errors.filter((e) => {
        if (e.keyword === 'oneOf')
            return false;
        if (!oneOfPaths.has(e.instancePath) || e.keyword !== 'type')
            return true;
        return false;
    });
    for (const e of errors.filter((x) => x.keyword === 'oneOf')) {
        const deeper = kept.some((k) => k.instancePath === e.instancePath || k.instancePath.startsWith(`${e.instancePath}/`));
        if (!deeper)
            kept.push(e);
    }
    const messages = new Map();
    for (const e of kept) {
        const segments = segmentsOf(e.instancePath);
        const parent = (e.parentSchema ?? {});
        let fieldSegments = segments;
        let text;
        switch (e.keyword) {
            case 'additionalProperties': {
                const key = e.params.additionalProperty;
                fieldSegments = [...segments, key];
                const known = Object.keys(parent.properties ?? {});
                const near = closest(key, known);
                text = `is not a known field${near ? `; did you mean '${near}'?` : ''} (known fields${segments.length ? ` of '${dotted(segments)}'` : ''}: ${known.join(', ')})`;
                break;
            }
            case 'required': {
                const missing = e.params.missingProperty;
                fieldSegments = [...segments, missing];
                const sub = parent.properties?.[missing];
                text = `is missing: add it${sub?.description ? ` (${firstSentence(sub.description)})` : ''}`;
                break;
            }
            case 'type':
                text = typeMessage(e.params.type, e.data, where.source(segments));
                if (parent.pattern !== undefined)
                    text += `; ${hint(parent)}`;
                break;
            case 'enum': {
                const allowed = e.params.allowedValues.map(String);
                const near = allowed.find((a) => a.toLowerCase() === String(e.data).toLowerCase());
                text = `must be one of ${allowed.join(', ')}, got ${describe(e.data)}${near ? `; write '${near}'` : ''}`;
                break;
            }
            case 'pattern':
            case 'minLength':
            case 'maxLength':
                if (e.propertyName !== undefined) {
                    fieldSegments = [...segments, e.propertyName];
                    text = `is not a valid key: ${hint(parent)}`;
                }
                else if (e.keyword === 'minLength') {
                    text = 'must not be empty';
                }
                else if (e.keyword === 'maxLength') {
                    text = `must be at most ${e.params.limit} characters long`;
                }
                else {
                    text = `has an invalid value ${describe(e.data)}: ${hint(parent)}`;
                }
                break;
            case 'propertyNames':
                continue; // explained by the pattern error that comes with it
            case 'minimum':
            case 'maximum': {
                const limit = e.params.limit;
                text = `must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${limit}, got ${String(e.data)}`;
                break;
            }
            case 'oneOf':
                text = `must be ${(parent.oneOf ?? []).map((b) => article(b.type ?? 'value')).join(' or ')}, got ${describe(e.data)}${parent.description ? `: ${firstSentence(parent.description)}` : ''}`;
                break;
            default:
                text = `${e.message ?? 'is invalid'}`;
        }
        const line = e.keyword === 'additionalProperties' || e.keyword === 'required' || e.propertyName !== undefined
            ? where.line(segments, e.keyword === 'required' ? undefined : String(fieldSegments[fieldSegments.length - 1]))
            : where.line(segments);
        const at = line !== undefined ? ` (line ${line})` : '';
        const field = dotted(fieldSegments) || '(top level)';
        messages.set(`${file}${at}: field '${field}' ${text}`, line ?? 0);
    }
    return [...messages].sort((a, b) => a[1] - b[1]).map(([message]) => message);
}
function typeMessage(expected, data, written) {
    const got = written !== undefined && typeof data !== 'string' ? `${written} (a ${typeof data})` : describe(data);
    switch (expected) {
        case 'boolean':
            return `must be a boolean (true or false), got ${got}`;
        case 'integer':
            return `must be a whole number, got ${got}`;
        case 'string':
            return typeof data === 'number' || typeof data === 'boolean'
                ? `must be text, got ${got}: quote it ('${written ?? String(data)}') so YAML keeps it as text`
                : `must be text, got ${got}`;
        case 'array':
            return `must be a list (one '- item' per line), got ${got}`;
        case 'object':
            return `must be a map (one 'key: value' per line), got ${got}`;
        default:
            return `must be of type ${expected}, got ${got}`;
    }
}
function hint(schemaNode) {
    const example = schemaNode.examples?.[0];
    return `${schemaNode.description ?? 'see schema/image-definition.schema.json'}${example !== undefined ? ` For example '${String(example)}'.` : ''}`;
}
function firstSentence(text) {
    return text.split(/(?<=\.)\s/)[0].replace(/\.$/, '');
}
function article(type) {
    return type === 'object' ? 'a map' : type === 'array' ? 'a list' : type === 'string' ? 'text' : `a ${type}`;
}
/** The known name nearest to a misspelt one (edit distance at most 2), if any. */
function closest(word, candidates) {
    let best;
    let bestDistance = 3;
    for (const c of candidates) {
        const d = editDistance(word.toLowerCase(), c.toLowerCase());
        if (d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    return best;
}
function editDistance(a, b) {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}


/***/ })

};

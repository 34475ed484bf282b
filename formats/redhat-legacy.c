// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Legacy Red Hat driver disks (the RHEL 3-5 loader), flat in the root:
 *
 *   rhdd-6.1 | rhdd   "<module>-<version> driver disk\n"; rhdd-6.1 is "version 0"
 *                     (modules.cgz members <kernel>/<module>.ko), rhdd "version 1"
 *                     (<kernel>/<arch>/<module>.ko)
 *   modules.cgz       gzip of a newc cpio of the modules
 *   modinfo, modules.alias, modules.dep, pcitable, modules.pcimap
 *                     generated from the modules (formats/redhat-legacy-files.h)
 *
 * The union of what the RHEL 4 and RHEL 5 loaders require, so one disk
 * serves both. A package's own redhat_driver_disk/ files (pci.ids,
 * disk-info, a hand-written modinfo ...) replace the generated ones, as
 * dkms 2.x copied them.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "codec/cpio.h"
#include "conf.h"
#include "formats/format.h"
#include "formats/redhat-legacy-files.h"
#include "formats/redhat-legacy.h"
#include "kernel.h"
#include "util/fileio.h"
#include "util/strbuf.h"

const struct legacy_layout legacy_version0 = { "redhat1", "rhdd-6.1", false };
const struct legacy_layout legacy_version1 = { "redhat2", "rhdd", true };

/* The files dkms 2.x took from a package's redhat_driver_disk/ unchanged. */
static const char *const package_files[] = {
	"modinfo", "disk-info", "modules.dep", "pcitable", "modules.pcimap", "pci.ids",
};

static void conf_releasep(struct dkms_conf *c)
{
	dkms_conf_release(c);
}

static void kernel_releasep(struct dkms_kernel *k)
{
	dkms_kernel_release(k);
}

/* MODULES_CONF_ALIAS_TYPE of the module record with this DEST_MODULE_NAME. */
static char *alias_type_of(const struct dkms_conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->n_modules && i < conf->modules_conf_alias_type.n; i++)
		if (streq(conf->modules[i].dest_name, name) && !strempty(conf->modules_conf_alias_type.v[i]))
			return xstrdup(conf->modules_conf_alias_type.v[i]);
	return NULL;
}

/* The modules of all kernels, once per name, with what the tables need. */
struct module_set {
	struct legacy_module *mods; /* capacity: every module of every kernel */
	struct module_meta *metas;
	struct strv alias_types;    /* index i: mods[i]'s, "" when unset */
	size_t n;
};

static void module_set_init(struct module_set *s, const struct dud_request *req)
{
	size_t cap = 0;

	for (size_t i = 0; i < req->n_kernels; i++)
		cap += req->kernels[i].n_modules;
	s->mods = xcalloc(cap ? cap : 1, sizeof(*s->mods));
	s->metas = xcalloc(cap ? cap : 1, sizeof(*s->metas));
	s->alias_types = (struct strv)STRV_INIT;
	s->n = 0;
}

static void module_set_release(struct module_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		module_meta_release(&s->metas[i]);
	free(s->mods);
	free(s->metas);
	strv_release(&s->alias_types);
}

static int module_set_add(struct module_set *s, const struct dud_module *m, const struct dkms_conf *conf)
{
	_cleanup_free_ char *type = conf ? alias_type_of(conf, m->name) : NULL;
	int r;

	for (size_t i = 0; i < s->n; i++)
		if (streq(s->mods[i].name, m->name))
			return 0;
	r = module_meta_read(m->path, &s->metas[s->n]);
	if (r < 0)
		return r;
	strv_push(&s->alias_types, type ? type : "");
	s->mods[s->n] = (struct legacy_module){ m->name, NULL, &s->metas[s->n] };
	s->n++;
	return 0;
}

static int add_modules_cgz(const struct dud_request *req, const struct legacy_layout *l,
			   struct module_set *set, const struct dkms_conf *conf, struct payload *out)
{
	_cleanup_payload_ struct payload cgz = PAYLOAD_INIT;
	_cleanup_strbuf_ struct strbuf packed = STRBUF_INIT;
	int r;

	for (size_t i = 0; i < req->n_kernels; i++) {
		const struct dud_kernel *k = &req->kernels[i];

		for (size_t j = 0; j < k->n_modules; j++) {
			const struct dud_module *m = &k->modules[j];
			_cleanup_free_ char *member = l->arch_dirs
				? xasprintf("%s/%s/%s.ko", k->kernelver, k->arch, m->name)
				: xasprintf("%s/%s.ko", k->kernelver, m->name);

			if (!legacy_has_suffix(m->path, ".ko")) {
				dkms_error(req->ctx, "%s is compressed; the RHEL 3-5 loader loads only "
					   "uncompressed modules.", m->path);
				return -EINVAL;
			}
			if (payload_find(&cgz, member)) {
				dkms_error(req->ctx, "%s/%s is built for kernel %s on more than one architecture: "
					   "a %s disk holds one per kernel; use -d redhat2.", req->module,
					   req->version, k->kernelver, l->marker);
				return -EINVAL;
			}
			r = payload_add_file(&cgz, member, 0644, m->path);
			if (r >= 0)
				r = module_set_add(set, m, conf);
			if (r < 0) {
				dkms_error(req->ctx, "Cannot read %s: %s", m->path, strerror(-r));
				return r;
			}
		}
	}
	/* the loader gunzips and reads newc (isys/uncpio.c) */
	r = cpio_pack(&cgz, COMPRESSION_GZIP, COMPRESS_LEVEL_DEFAULT, &packed);
	if (r < 0) {
		dkms_error(req->ctx, "Cannot pack modules.cgz: %s", strerror(-r));
		return r;
	}
	return payload_add_data(out, "modules.cgz", 0644, packed.buf, packed.len);
}

static int add_tables(const struct module_set *set, struct payload *out)
{
	static const struct {
		const char *name;
		void (*write)(const struct legacy_module *mods, size_t n, struct strbuf *out);
	} tables[] = {
		{ "modinfo", legacy_modinfo },
		{ "modules.alias", legacy_modules_alias },
		{ "modules.dep", legacy_modules_dep },
		{ "pcitable", legacy_pcitable },
		{ "modules.pcimap", legacy_modules_pcimap },
	};

	for (size_t i = 0; i < set->n; i++)
		set->mods[i].alias_type = strempty(set->alias_types.v[i]) ? NULL : set->alias_types.v[i];
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
		int r;

		tables[i].write(set->mods, set->n, &text);
		r = payload_add_data(out, tables[i].name, 0644, text.buf, text.len);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_package_files(const struct dud_request *req, struct payload *out)
{
	_cleanup_free_ char *dir = xasprintf("%s/redhat_driver_disk", req->source_dir);

	if (!is_dir(dir))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(package_files); i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, package_files[i]);
		int r;

		if (!is_file(path))
			continue;
		r = payload_add_file(out, package_files[i], 0644, path);
		if (r < 0) {
			dkms_error(req->ctx, "Cannot read %s: %s", path, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* dkms.conf for the first kernel, for MODULES_CONF_ALIAS_TYPE; NULL if unreadable. */
static bool read_conf(const struct dud_request *req, struct dkms_conf *conf)
{
	_cleanup_(kernel_releasep) struct dkms_kernel k = { 0 };

	if (!req->n_kernels)
		return false;
	dkms_kernel_init(&k, req->ctx, req->kernels[0].kernelver, req->kernels[0].arch);
	return dkms_conf_read(req->ctx, req->module, req->version, &k, NULL,
			      CONF_QUIET | CONF_REPEAT, conf) == 0;
}

static int legacy_make(const struct legacy_layout *l, const struct dud_request *req,
		       struct payload *out)
{
	_cleanup_(conf_releasep) struct dkms_conf conf = { 0 };
	_cleanup_free_ char *title = xasprintf("%s-%s driver disk\n", req->module, req->version);
	struct module_set set;
	bool have_conf;
	int r;

	have_conf = read_conf(req, &conf);
	module_set_init(&set, req);
	r = add_modules_cgz(req, l, &set, have_conf ? &conf : NULL, out);
	if (r >= 0)
		r = add_tables(&set, out);
	module_set_release(&set);
	if (r >= 0)
		r = payload_add_str(out, l->marker, 0644, title);
	if (r >= 0)
		r = add_package_files(req, out);
	return r;
}

static int redhat1_make(const struct dud_request *req, struct payload *out)
{
	return legacy_make(&legacy_version0, req, out);
}

static int redhat2_make(const struct dud_request *req, struct payload *out)
{
	return legacy_make(&legacy_version1, req, out);
}

static bool redhat1_detect(const char *root)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, legacy_version0.marker);

	return path_exists(p);
}

static bool redhat2_detect(const char *root)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, legacy_version1.marker);

	return path_exists(p);
}

static int redhat1_check(const char *root, const struct dud_check_opts *o, struct dud_report *rep)
{
	return legacy_check(&legacy_version0, root, o, rep);
}

static int redhat2_check(const char *root, const struct dud_check_opts *o, struct dud_report *rep)
{
	return legacy_check(&legacy_version1, root, o, rep);
}

/* The RHEL 3-5 loader mounts vfat, ext2 or iso9660; dkms 2.x also made tar files. */
const struct dud_format dud_format_redhat1 = {
	.name = "redhat1",
	.description = "legacy Red Hat driver disk, rhdd-6.1 (\"version 0\", RHEL 3-5): "
		       "modules.cgz <kernel>/<module>.ko",
	.media = 1u << DUD_MEDIUM_FLOPPY | 1u << DUD_MEDIUM_ISO | 1u << DUD_MEDIUM_TAR,
	.default_medium = DUD_MEDIUM_FLOPPY,
	.make = redhat1_make,
	.detect = redhat1_detect,
	.check = redhat1_check,
};

const struct dud_format dud_format_redhat2 = {
	.name = "redhat2",
	.description = "legacy Red Hat driver disk, rhdd (\"version 1\", RHEL 4-5): "
		       "modules.cgz <kernel>/<arch>/<module>.ko",
	.media = 1u << DUD_MEDIUM_FLOPPY | 1u << DUD_MEDIUM_ISO | 1u << DUD_MEDIUM_TAR,
	.default_medium = DUD_MEDIUM_FLOPPY,
	.make = redhat2_make,
	.detect = redhat2_detect,
	.check = redhat2_check,
};

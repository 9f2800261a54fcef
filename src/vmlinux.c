/* vmlinux.c - symbols and types from an ELF vmlinux.
 *
 * Opening reads only the ELF symbol table, the build ID and the
 * linux_banner string: a 590 MB debug vmlinux opens in milliseconds.
 * DWARF is opened the first time a constant (enum value, type size,
 * member offset) is asked for, and searched starting from the compile
 * unit of a hint function, found through .debug_aranges, before falling
 * back to a scan of every unit. */
#include <errno.h>
#include <fcntl.h>
#include <dwarf.h>
#include <gelf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "syms.h"

struct vmlinux {
	int fd;
	Elf *elf;
	Dwarf *dwarf;
	bool dwarf_tried;
};

static void vmlinux_close(struct syms *s)
{
	struct vmlinux *v = s->priv;

	if (!v)
		return;
	if (v->dwarf)
		dwarf_end(v->dwarf);
	if (v->elf)
		elf_end(v->elf);
	if (v->fd >= 0)
		close(v->fd);
	free(v);
}

/* ---- DWARF lookups ------------------------------------------------------ */

static kmd_status open_dwarf(struct syms *s, struct kmd_err *err)
{
	struct vmlinux *v = s->priv;

	if (!v->dwarf_tried) {
		v->dwarf_tried = true;
		v->dwarf = dwarf_begin_elf(v->elf, DWARF_C_READ, NULL);
	}
	if (!v->dwarf)
		return kmd_err_set(err, KMD_ERR_NOTFOUND,
				   "%s: no DWARF debug information (install the kernel's -dbg package)",
				   s->path);
	return KMD_OK;
}

/* Look for enumerator NAME among the top-level enums of CU. */
static bool cu_enum_value(Dwarf_Die *cu, const char *name, int64_t *val)
{
	Dwarf_Die child, e;

	if (dwarf_child(cu, &child) != 0)
		return false;
	do {
		if (dwarf_tag(&child) != DW_TAG_enumeration_type)
			continue;
		if (dwarf_child(&child, &e) != 0)
			continue;
		do {
			const char *n;
			Dwarf_Attribute at;
			Dwarf_Sword sv;
			if (dwarf_tag(&e) != DW_TAG_enumerator)
				continue;
			n = dwarf_diename(&e);
			if (!n || strcmp(n, name) != 0)
				continue;
			if (!dwarf_attr(&e, DW_AT_const_value, &at) ||
			    dwarf_formsdata(&at, &sv) != 0)
				continue;
			*val = sv;
			return true;
		} while (dwarf_siblingof(&e, &e) == 0);
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* A struct/union/typedef named NAME at the top level of CU. */
static bool cu_find_type(Dwarf_Die *cu, const char *name, Dwarf_Die *out)
{
	Dwarf_Die child;

	if (dwarf_child(cu, &child) != 0)
		return false;
	do {
		int tag = dwarf_tag(&child);
		const char *n;
		if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type &&
		    tag != DW_TAG_typedef && tag != DW_TAG_base_type)
			continue;
		if (dwarf_hasattr(&child, DW_AT_declaration))
			continue;
		n = dwarf_diename(&child);
		if (n && strcmp(n, name) == 0) {
			*out = child;
			return true;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

static bool member_offset(Dwarf_Die *type, const char *member, int64_t *val)
{
	Dwarf_Die peeled, m;

	if (dwarf_peel_type(type, &peeled) != 0)
		return false;
	if (dwarf_child(&peeled, &m) != 0)
		return false;
	do {
		const char *n;
		Dwarf_Attribute at;
		Dwarf_Word off = 0;
		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		if (dwarf_attr(&m, DW_AT_data_member_location, &at) &&
		    dwarf_formudata(&at, &off) != 0)
			continue;
		n = dwarf_diename(&m);
		if (n && strcmp(n, member) == 0) {
			*val = (int64_t)off; /* no location: a union member */
			return true;
		}
		if (!n) {
			/* An anonymous struct or union: look inside. */
			Dwarf_Die mt;
			int64_t inner;
			if (dwarf_attr(&m, DW_AT_type, &at) &&
			    dwarf_formref_die(&at, &mt) &&
			    member_offset(&mt, member, &inner)) {
				*val = (int64_t)off + inner;
				return true;
			}
		}
	} while (dwarf_siblingof(&m, &m) == 0);
	return false;
}

/* Answer KEY from one CU. */
static bool cu_constant(Dwarf_Die *cu, const char *kind, const char *arg,
			int64_t *val)
{
	Dwarf_Die type;

	if (strcmp(kind, "ENUM") == 0)
		return cu_enum_value(cu, arg, val);
	if (strcmp(kind, "SIZE") == 0) {
		if (!cu_find_type(cu, arg, &type))
			return false;
		int sz = dwarf_aggregate_size(&type, (Dwarf_Word *)val);
		return sz == 0;
	}
	if (strcmp(kind, "OFFSET") == 0) {
		char tname[128];
		const char *dot = strchr(arg, '.');
		if (!dot || (size_t)(dot - arg) >= sizeof(tname))
			return false;
		memcpy(tname, arg, (size_t)(dot - arg));
		tname[dot - arg] = '\0';
		if (!cu_find_type(cu, tname, &type))
			return false;
		return member_offset(&type, dot + 1, val);
	}
	return false;
}

static kmd_status vmlinux_constant(struct syms *s, const char *key,
				   const char *hint, int64_t *val,
				   struct kmd_err *err)
{
	struct vmlinux *v = s->priv;
	char kind[16], arg[200];
	const char *open = strchr(key, '(');
	size_t klen, alen;
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu;
	uint64_t addr;
	kmd_status st;

	if (!open || key[strlen(key) - 1] != ')')
		return kmd_err_set(err, KMD_ERR_ARG, "bad constant key %s",
				   key);
	klen = (size_t)(open - key);
	alen = strlen(open + 1) - 1;
	if (klen >= sizeof(kind) || alen >= sizeof(arg))
		return kmd_err_set(err, KMD_ERR_ARG, "constant key too long");
	memcpy(kind, key, klen);
	kind[klen] = '\0';
	memcpy(arg, open + 1, alen);
	arg[alen] = '\0';

	st = open_dwarf(s, err);
	if (st)
		return st;
	if (hint && syms_lookup(s, hint, &addr) &&
	    dwarf_addrdie(v->dwarf, addr, &cu) &&
	    cu_constant(&cu, kind, arg, val))
		return KMD_OK;
	while (dwarf_nextcu(v->dwarf, off, &next, &hsize, NULL, NULL,
			    NULL) == 0) {
		if (dwarf_offdie(v->dwarf, off + hsize, &cu) &&
		    cu_constant(&cu, kind, arg, val))
			return KMD_OK;
		off = next;
	}
	return kmd_err_set(err, KMD_ERR_NOTFOUND, "%s: %s not in DWARF",
			   s->path, key);
}

/* The top-level enum of CU that has enumerator MEMBER, packed. */
static bool cu_enum_list(Dwarf_Die *cu, const char *member,
			 struct syms_enum **out, size_t *n, kmd_status *st,
			 struct kmd_err *err)
{
	Dwarf_Die child, e;

	if (dwarf_child(cu, &child) != 0)
		return false;
	do {
		bool has = false;
		size_t count = 0;
		if (dwarf_tag(&child) != DW_TAG_enumeration_type ||
		    dwarf_child(&child, &e) != 0)
			continue;
		do {
			const char *nm = dwarf_diename(&e);
			if (dwarf_tag(&e) != DW_TAG_enumerator)
				continue;
			count++;
			if (nm && strcmp(nm, member) == 0)
				has = true;
		} while (dwarf_siblingof(&e, &e) == 0);
		if (!has)
			continue;
		const char **names = calloc(count, sizeof(*names));
		int64_t *vals = calloc(count, sizeof(*vals));
		size_t *lens = calloc(count, sizeof(*lens));
		size_t k = 0;
		if (!names || !vals || !lens) {
			free(names);
			free(vals);
			free(lens);
			*st = kmd_err_nomem(err);
			return true;
		}
		dwarf_child(&child, &e);
		do {
			Dwarf_Attribute at;
			Dwarf_Sword sv;
			const char *nm = dwarf_diename(&e);
			if (dwarf_tag(&e) != DW_TAG_enumerator || !nm ||
			    !dwarf_attr(&e, DW_AT_const_value, &at) ||
			    dwarf_formsdata(&at, &sv) != 0 || k >= count)
				continue;
			names[k] = nm;
			lens[k] = strlen(nm);
			vals[k] = sv;
			k++;
		} while (dwarf_siblingof(&e, &e) == 0);
		*st = syms_enum_pack(names, vals, lens, k, out, err);
		if (!*st)
			*n = k;
		free(names);
		free(vals);
		free(lens);
		return true;
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

static kmd_status vmlinux_enum_list(struct syms *s, const char *member,
				    const char *hint, struct syms_enum **out,
				    size_t *n, struct kmd_err *err)
{
	struct vmlinux *v = s->priv;
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu;
	uint64_t addr;
	kmd_status st = open_dwarf(s, err);

	if (st)
		return st;
	if (hint && syms_lookup(s, hint, &addr) &&
	    dwarf_addrdie(v->dwarf, addr, &cu) &&
	    cu_enum_list(&cu, member, out, n, &st, err))
		return st;
	while (dwarf_nextcu(v->dwarf, off, &next, &hsize, NULL, NULL,
			    NULL) == 0) {
		if (dwarf_offdie(v->dwarf, off + hsize, &cu) &&
		    cu_enum_list(&cu, member, out, n, &st, err))
			return st;
		off = next;
	}
	return kmd_err_set(err, KMD_ERR_NOTFOUND,
			   "%s: no enum with enumerator %s in DWARF", s->path,
			   member);
}

static const struct syms_ops vmlinux_ops = {
	.constant = vmlinux_constant,
	.enum_list = vmlinux_enum_list,
	.close = vmlinux_close,
};

/* ---- symbols, build ID, release ------------------------------------ */

static kmd_status read_symtab(struct syms *s, Elf *elf, struct kmd_err *err)
{
	Elf_Scn *scn = NULL;
	bool found = false;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t count;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB ||
		    sh.sh_entsize == 0)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		found = true;
		count = sh.sh_size / sh.sh_entsize;
		for (size_t i = 1; i < count; i++) {
			GElf_Sym sym;
			const char *name;
			kmd_status st;

			if (!gelf_getsym(data, (int)i, &sym))
				break;
			if (sym.st_shndx == SHN_UNDEF)
				continue;
			int type = GELF_ST_TYPE(sym.st_info);
			if (type == STT_SECTION || type == STT_FILE)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			st = syms_add(s, name, sym.st_value, sym.st_size,
				      type == STT_FUNC || type == STT_OBJECT,
				      err);
			if (st)
				return st;
		}
	}
	if (!found)
		return kmd_err_set(err, KMD_ERR_NOTFOUND,
				   "%s: no symbol table (stripped vmlinux?)",
				   s->path);
	return syms_finish(s, err);
}

/* Copy the NUL-terminated string at virtual address ADDR out of the
 * section that holds it. */
static char *string_at(Elf *elf, uint64_t addr)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_ALLOC) || addr < sh.sh_addr ||
		    addr - sh.sh_addr >= sh.sh_size)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf || addr - sh.sh_addr >= data->d_size)
			return NULL;
		const char *p = (const char *)data->d_buf + (addr - sh.sh_addr);
		size_t max = data->d_size - (addr - sh.sh_addr);
		return strndup(p, max < 512 ? max : 512);
	}
	return NULL;
}

static void read_release(struct syms *s, Elf *elf)
{
	uint64_t addr;
	char *banner, *p, *end;

	if (!syms_lookup(s, "linux_banner", &addr))
		return;
	banner = string_at(elf, addr);
	if (!banner)
		return;
	/* "Linux version 6.1.0-27-cloud-amd64 (debian-kernel@...) ..." */
	p = strstr(banner, "Linux version ");
	if (p) {
		p += strlen("Linux version ");
		end = strchr(p, ' ');
		if (end)
			*end = '\0';
		s->release = strdup(p);
	}
	free(banner);
}

static void read_build_id(struct syms *s, Elf *elf)
{
	const void *id;
	ssize_t len = dwelf_elf_gnu_build_id(elf, &id);

	if (len <= 0 || len > 64)
		return;
	s->build_id = malloc((size_t)len * 2 + 1);
	if (!s->build_id)
		return;
	for (ssize_t i = 0; i < len; i++)
		sprintf(s->build_id + 2 * i, "%02x",
			((const unsigned char *)id)[i]);
}

kmd_status syms_open_vmlinux(struct syms **out, const char *path,
			     struct kmd_err *err)
{
	struct vmlinux *v;
	struct syms *s;
	GElf_Ehdr eh;
	kmd_status st;

	elf_version(EV_CURRENT);
	s = syms_new(&vmlinux_ops, "vmlinux", path);
	v = calloc(1, sizeof(*v));
	if (!s || !v) {
		free(v);
		syms_close(s);
		return kmd_err_nomem(err);
	}
	v->fd = -1;
	s->priv = v;
	v->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (v->fd < 0) {
		st = kmd_err_set(err, KMD_ERR_IO, "%s: %s", path,
				 strerror(errno));
		goto fail;
	}
	v->elf = elf_begin(v->fd, ELF_C_READ_MMAP, NULL);
	if (!v->elf || elf_kind(v->elf) != ELF_K_ELF || !gelf_getehdr(v->elf, &eh)) {
		st = kmd_err_set(err, KMD_ERR_CORRUPT, "%s: bad ELF file: %s",
				 path, elf_errmsg(-1));
		goto fail;
	}
	s->machine = eh.e_machine;
	{
		size_t nph;
		if (elf_getphdrnum(v->elf, &nph) == 0) {
			for (size_t i = 0; i < nph; i++) {
				GElf_Phdr ph;
				if (gelf_getphdr(v->elf, (int)i, &ph) &&
				    ph.p_type == PT_LOAD) {
					s->has_voffset = true;
					s->voffset = ph.p_vaddr - ph.p_paddr;
					break;
				}
			}
		}
	}
	st = read_symtab(s, v->elf, err);
	if (st)
		goto fail;
	read_release(s, v->elf);
	read_build_id(s, v->elf);
	*out = s;
	return KMD_OK;
fail:
	syms_close(s);
	return st;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* The layout of a FAT image of a given size (see fat.h). */
#include <errno.h>

#include "mkdisk/fat.h"
#include "util/macro.h"

#define DIRENT 32

/* The PC floppy formats: the geometry and FAT layout every BIOS and driver knows. */
static const struct {
	unsigned kib;
	uint16_t spt, root_entries;
	uint8_t spc, media;
} floppies[] = {
	{ 720, 9, 112, 2, 0xf9 },
	{ 1200, 15, 224, 1, 0xf9 },
	{ 1440, 18, 224, 1, 0xf0 },
	{ 2880, 36, 240, 2, 0xf0 },
};

/* Data clusters and FAT size for a given cluster size, the FAT grown until it covers them. */
static void fit_fat(struct fat_geometry *g)
{
	uint32_t root_sectors = g->root_entries * DIRENT / FAT_SECTOR;

	g->fat_sectors = 1;
	for (;;) {
		uint32_t meta = 1 + 2 * g->fat_sectors + root_sectors, need;

		g->clusters = g->total_sectors > meta
				      ? (g->total_sectors - meta) / g->sectors_per_cluster
				      : 0;
		need = (uint32_t)((((uint64_t)g->clusters + 2) * g->fat_bits / 8 + FAT_SECTOR) /
				  FAT_SECTOR);
		if (need <= g->fat_sectors)
			break;
		g->fat_sectors = need;
	}
	g->data_start = 1 + 2 * g->fat_sectors + root_sectors;
}

int fat_geometry_for(unsigned kib, struct fat_geometry *ret)
{
	struct fat_geometry g = { .total_sectors = kib * 2, .heads = 2 };

	if (kib < FAT_MIN_KIB || kib > FAT_MAX_KIB)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(floppies); i++)
		if (floppies[i].kib == kib) {
			g.sectors_per_track = floppies[i].spt;
			g.root_entries = floppies[i].root_entries;
			g.sectors_per_cluster = floppies[i].spc;
			g.media = floppies[i].media;
			g.fat_bits = 12;
			fit_fat(&g);
			*ret = g;
			return 0;
		}
	/* any other size: a hard-disk-like image, FAT12 with clusters up to 4 KiB, else FAT16 */
	g.sectors_per_track = 32;
	g.heads = 64;
	g.root_entries = 512;
	g.media = 0xf8;
	for (g.fat_bits = 12; g.fat_bits <= 16; g.fat_bits += 4)
		for (unsigned spc = 1; spc <= (g.fat_bits == 12 ? 8u : 64u); spc *= 2) {
			g.sectors_per_cluster = (uint8_t)spc;
			fit_fat(&g);
			if (g.clusters && g.clusters <= (g.fat_bits == 12 ? 4084u : 65524u)) {
				*ret = g;
				return 0;
			}
		}
	return -EINVAL;
}

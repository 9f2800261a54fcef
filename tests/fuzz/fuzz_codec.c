/* fuzz_codec.c - libFuzzer target: arbitrary bytes as one compressed page
 * record, through kdump.c's own decompress() for each codec (zlib, lzo,
 * snappy, zstd) and page size.  kdump.c is included so the static
 * function is tested as it is, not a copy; build.sh links this target
 * without src/kdump.c. */
#include "../../src/kdump.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t codecs[] = {
		DUMP_DH_COMPRESSED_ZLIB, DUMP_DH_COMPRESSED_LZO,
		DUMP_DH_COMPRESSED_SNAPPY, DUMP_DH_COMPRESSED_ZSTD,
	};
	struct kmd_err err;
	uint8_t *dst;
	size_t dlen;

	if (size < 1)
		return 0;
	/* low bits: codec; next: page size 4 KiB .. 64 KiB (arm64 pages) */
	dlen = (size_t)4096 << ((data[0] >> 2) & 3);
	dst = malloc(dlen);
	if (!dst)
		return 0;
	if (decompress(codecs[data[0] & 3], data + 1, size - 1, dst, dlen,
		       &err) != KMD_OK && strchr(err.msg, '\n'))
		abort(); /* errors are one line */
	free(dst);
	return 0;
}

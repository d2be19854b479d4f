// SPDX-License-Identifier: Apache-2.0
package dev.tld.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The struct layouts of a compiled BPF object, from its BTF as {@code bpftool btf dump}
 * prints it: what the compiler made of the shared headers, to compare the Java constants
 * with.
 */
public final class BtfLayouts {

	private static final Pattern STRUCT = Pattern.compile("^\\[\\d+] STRUCT '([^']+)' size=(\\d+) vlen=\\d+$");

	private static final Pattern MEMBER = Pattern.compile("^\\s+'([^']+)' type_id=\\d+ bits_offset=(\\d+)$");

	private final Map<String, Struct> structs;

	private BtfLayouts(Map<String, Struct> structs) {
		this.structs = structs;
	}

	/**
	 * Read the layouts of an object on the class path.
	 * @param resource the object, e.g. {@code /bpf/tld_layouts.bpf.o}
	 * @return its structs
	 */
	public static BtfLayouts of(String resource) {
		try {
			Path tmp = Files.createTempFile("tld-btf", ".o");
			try (InputStream in = BtfLayouts.class.getResourceAsStream(resource)) {
				if (in == null) {
					throw new IllegalArgumentException(resource + " is not on the class path");
				}
				Files.write(tmp, in.readAllBytes());
				Process p = new ProcessBuilder("bpftool", "btf", "dump", "file", tmp.toString())
					.redirectErrorStream(true)
					.start();
				String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
				if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
					throw new IllegalStateException("bpftool btf dump failed: " + out);
				}
				return new BtfLayouts(parse(out));
			}
			finally {
				Files.deleteIfExists(tmp);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static Map<String, Struct> parse(String dump) {
		Map<String, Struct> out = new HashMap<>();
		Struct current = null;
		for (String line : dump.split("\n")) {
			Matcher s = STRUCT.matcher(line);
			if (s.matches()) {
				current = new Struct(Integer.parseInt(s.group(2)), new LinkedHashMap<>());
				out.putIfAbsent(s.group(1), current);
				continue;
			}
			Matcher m = MEMBER.matcher(line);
			if (current != null && m.matches()) {
				current.offsets.put(m.group(1), Integer.parseInt(m.group(2)) / 8);
			}
			else if (!line.startsWith("\t") && !line.startsWith(" ")) {
				current = null;
			}
		}
		return out;
	}

	/**
	 * A struct's size.
	 * @param struct its name, without {@code struct}
	 * @return bytes
	 */
	public int size(String struct) {
		return get(struct).size;
	}

	/**
	 * A member's offset.
	 * @param struct the struct's name
	 * @param member the member's name
	 * @return bytes from the start of the struct
	 */
	public int offset(String struct, String member) {
		Integer off = get(struct).offsets.get(member);
		if (off == null) {
			throw new IllegalArgumentException("struct " + struct + " has no member " + member);
		}
		return off;
	}

	private Struct get(String struct) {
		Struct s = this.structs.get(struct);
		if (s == null) {
			throw new IllegalArgumentException(
					"no struct " + struct + " in the BTF (has " + this.structs.keySet() + ")");
		}
		return s;
	}

	private record Struct(int size, Map<String, Integer> offsets) {
	}

}

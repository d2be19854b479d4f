// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tld.core.internal.LibBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The jnr-ffi bindings agree with the installed libbpf headers: every bound function
 * exists with the same number of parameters and compatible kinds (pointer or integer),
 * and the struct offsets the core writes by hand are the ones a C compiler computes from
 * the headers.
 */
class BindingsMatchHeadersTest {

	private static final Path INCLUDE = Path.of("/usr/include/bpf");

	@Test
	void everyBoundFunctionMatchesItsDeclaration() throws IOException {
		assumeTrue(Files.isReadable(INCLUDE.resolve("libbpf.h")), "libbpf-dev headers are not installed");
		String headers = (Files.readString(INCLUDE.resolve("libbpf.h")) + Files.readString(INCLUDE.resolve("bpf.h")))
			.replaceAll("/\\*.*?\\*/", " ")
			.replaceAll("\\s+", " ");
		List<String> problems = new ArrayList<>();
		for (Method m : LibBpf.class.getDeclaredMethods()) {
			Matcher d = Pattern.compile("LIBBPF_API ([^;()]*?)\\b" + Pattern.quote(m.getName()) + " ?\\(([^;]*?)\\) ?;")
				.matcher(headers);
			if (!d.find()) {
				problems.add(m.getName() + ": not declared in libbpf.h or bpf.h");
				continue;
			}
			String ret = d.group(1).trim();
			List<String> params = params(d.group(2));
			if (params.size() != m.getParameterCount()) {
				problems.add(m.getName() + ": " + params.size() + " parameters in C (" + d.group(2) + "), "
						+ m.getParameterCount() + " in Java");
				continue;
			}
			if (!compatible(ret, m.getReturnType())) {
				problems.add(m.getName() + ": returns '" + ret + "' in C, " + m.getReturnType().getSimpleName()
						+ " in Java");
			}
			for (int i = 0; i < params.size(); i++) {
				if (!compatible(params.get(i), m.getParameterTypes()[i])) {
					problems.add(m.getName() + ": parameter " + i + " is '" + params.get(i) + "' in C, "
							+ m.getParameterTypes()[i].getSimpleName() + " in Java");
				}
			}
		}
		assertEquals(List.of(), problems);
		assertTrue(LibBpf.class.getDeclaredMethods().length >= 25, "all bindings were checked");
	}

	private static List<String> params(String list) {
		List<String> out = new ArrayList<>();
		if (list.isBlank() || list.trim().equals("void")) {
			return out;
		}
		for (String p : list.split(",")) {
			out.add(p.trim());
		}
		return out;
	}

	/**
	 * C pointers map to Pointer, String or a callback; C integers to int or long; void to
	 * void.
	 */
	private static boolean compatible(String c, Class<?> java) {
		boolean pointer = c.contains("*") || c.endsWith("_fn_t") || c.matches(".*_fn_t \\w+");
		if (c.equals("void")) {
			return java == void.class;
		}
		if (pointer) {
			return java == Pointer.class || java == String.class || java == LibBpf.PrintFn.class;
		}
		boolean wide = c.matches(".*\\b(long|__u64|__s64|size_t|ssize_t)\\b.*");
		return wide ? java == long.class : (java == int.class || java == long.class);
	}

	@Test
	void handWrittenStructOffsetsMatchTheCompiler(@TempDir Path dir) throws Exception {
		assumeTrue(Files.isReadable(INCLUDE.resolve("libbpf.h")), "libbpf-dev headers are not installed");
		Path c = dir.resolve("offsets.c");
		Files.writeString(c, """
				#include <stddef.h>
				#include <stdio.h>
				#include <bpf/libbpf.h>
				#include <bpf/bpf.h>
				#include <linux/bpf.h>
				#define F(t, m) printf("%zu\\n", offsetof(struct t, m))
				int main(void)
				{
					printf("%zu\\n", sizeof(struct bpf_test_run_opts));
					F(bpf_test_run_opts, ctx_in);
					F(bpf_test_run_opts, ctx_size_in);
					F(bpf_test_run_opts, retval);
					F(bpf_object_open_opts, object_name);
					F(bpf_map_info, type);
					F(bpf_map_info, id);
					F(bpf_map_info, key_size);
					F(bpf_map_info, value_size);
					F(bpf_map_info, name);
					printf("%zu\\n", sizeof(((struct bpf_map_info *)0)->name));
					printf("%zu\\n", sizeof(struct bpf_iter_attach_opts));
					F(bpf_iter_attach_opts, link_info);
					F(bpf_iter_attach_opts, link_info_len);
					printf("%zu\\n", sizeof(union bpf_iter_link_info));
					printf("%zu\\n", offsetof(union bpf_iter_link_info, task.pid));
					return 0;
				}
				""");
		Path exe = dir.resolve("offsets");
		Process cc;
		try {
			cc = new ProcessBuilder("gcc", "-Wall", "-Werror", "-o", exe.toString(), c.toString())
				.redirectErrorStream(true)
				.start();
		}
		catch (IOException ex) {
			assumeTrue(false, "gcc is not installed: " + ex.getMessage());
			return;
		}
		String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertTrue(cc.waitFor(60, TimeUnit.SECONDS));
		assertEquals(0, cc.exitValue(), ccOut);
		Process run = new ProcessBuilder(exe.toString()).start();
		String[] v = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split("\n");
		assertEquals(0, run.waitFor());
		int[] expected = { BpfProgram.TEST_RUN_OPTS_SIZE, BpfProgram.OPTS_CTX_IN, BpfProgram.OPTS_CTX_SIZE_IN,
				BpfProgram.OPTS_RETVAL, BpfObject.OPEN_OPTS_OBJECT_NAME, BpfMap.INFO_TYPE, BpfMap.INFO_ID,
				BpfMap.INFO_KEY_SIZE, BpfMap.INFO_VALUE_SIZE, BpfMap.INFO_NAME, BpfMap.INFO_NAME_LEN,
				BpfProgram.ITER_OPTS_SIZE, BpfProgram.ITER_OPTS_LINK_INFO, BpfProgram.ITER_OPTS_LINK_INFO_LEN,
				BpfProgram.ITER_LINK_INFO_SIZE, BpfProgram.ITER_LINK_INFO_TASK_PID };
		String[] what = { "sizeof(bpf_test_run_opts)", "ctx_in", "ctx_size_in", "retval", "object_name", "type", "id",
				"key_size", "value_size", "name", "sizeof(name)", "sizeof(bpf_iter_attach_opts)", "link_info",
				"link_info_len", "sizeof(bpf_iter_link_info)", "task.pid" };
		for (int i = 0; i < expected.length; i++) {
			assertEquals(expected[i], Integer.parseInt(v[i]), what[i]);
		}
	}

}

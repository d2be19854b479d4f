// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs one group on another JVM, of Java 23 or later: {@link BenchMain} in a child
 * process of that {@code java} (native access enabled, {@code sun.misc.Unsafe} memory
 * access allowed, as JMH uses it), with the same classes and the same settings (full or
 * smoke), writing its own report into a folder of the parent's output; its results come
 * back under another group name. JMH forks of the child run on the child's JVM. The
 * child's output is copied to this process's, each line prefixed with the group's name.
 *
 * @param java the other JVM's {@code java}
 * @param group the group the child runs
 * @param as the name its results take here
 */
record ChildJvm(Path java, String group, String as) {

	private static final JsonMapper JSON = JsonMapper.shared();

	/**
	 * Run the group in the child.
	 * @param smoke the smoke configuration (the child on the C1 compiler only), else the
	 * full one
	 * @param out the parent's output folder; the child writes into {@code out/<as>}
	 * @return the child's results of the group, renamed {@code <as>/<case>}, each with
	 * the child's Java version
	 * @throws IOException if the child cannot be started or its report read
	 * @throws InterruptedException if interrupted
	 */
	List<Result> run(boolean smoke, Path out) throws IOException, InterruptedException {
		if (!Files.isExecutable(this.java)) {
			throw new IllegalStateException(this.as + ": no JVM at " + this.java);
		}
		Path dir = out.resolve(this.as);
		List<String> cmd = new ArrayList<>(List.of(this.java.toString(), "-Xms512m", "-Xmx512m",
				"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-cp",
				RequestBench.classpath(), BenchMain.class.getName(), "--out", dir.toString(), "--groups", this.group));
		if (smoke) {
			cmd.add(1, "-XX:TieredStopAtLevel=1");
			cmd.add("--quick");
		}
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		try (BufferedReader lines = new BufferedReader(
				new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = lines.readLine()) != null) {
				System.out.println("[" + this.as + "] " + line);
			}
		}
		int rc = p.waitFor();
		if (rc != 0) {
			throw new IllegalStateException(this.as + ": " + String.join(" ", cmd) + " exited with " + rc);
		}
		JsonNode root = JSON.readTree(Files.readString(dir.resolve("results.json")));
		String javaVersion = root.get("machine").get("java_version").asString();
		List<Result> results = new ArrayList<>();
		for (JsonNode r : root.get("results")) {
			String name = r.get("name").asString();
			if (!name.startsWith(this.group + "/")) {
				continue;
			}
			Map<String, Object> extra = new LinkedHashMap<>(JSON.convertValue(r, new TypeReference<>() {
			}));
			extra.remove("name");
			extra.remove("ns_per_op");
			extra.remove("ratio_to_floor");
			extra.put("java_version", javaVersion);
			extra.put("java", this.java.toString());
			JsonNode ns = r.get("ns_per_op");
			results.add(new Result(this.as + name.substring(this.group.length()),
					ns.isNumber() ? ns.asDouble() : Double.NaN, extra));
		}
		if (results.isEmpty()) {
			throw new IllegalStateException(this.as + ": the child reported nothing for " + this.group);
		}
		return results;
	}

}

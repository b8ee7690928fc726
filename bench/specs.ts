// The benchmark spec: N login + /me pairs against the demo server, shared by scripts/bench.ts and the bench/ tools.
export function pairsSpec(n: number): string {
  const lines = [`name: bench ${n} login + me pairs`, "baseUrl: ${{ env.API_URL }}", "steps:"];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  - name: login ${i}`,
      "    request:",
      "      method: POST",
      "      url: /auth",
      '      json: { username: alice, password: "${{ secrets.API_PASSWORD }}" }',
      "    expect:",
      "      status: 200",
      "      body:",
      "        $.token: { type: string }",
      "    capture:",
      "      token: $.token",
      `  - name: me ${i}`,
      "    request:",
      "      url: /me",
      '      headers: { Authorization: "Bearer ${{ token }}" }',
      "    expect:",
      "      status: 200",
      "      body:",
      "        $.user.name: alice",
    );
  }
  return lines.join("\n") + "\n";
}

/** What `npm start` prints once the server listens: where the web chat, the staff console and the API are. */
export function startupBanner(port: number): string {
  const base = `http://localhost:${port}`;
  return [
    'Canbao is running:',
    `  web chat       ${base}/chat`,
    `  staff console  ${base}/console`,
    `  staff API      ${base}/api (OpenAPI: ${base}/api/openapi.json)`,
  ].join('\n');
}

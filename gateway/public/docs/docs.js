// Renders /openapi.json with the locally served swagger-ui (no CDN: the gateway may run offline).
window.ui = window.SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  tryItOutEnabled: true,
});

import { s3TestApp } from './s3-test-app.js';
const { app } = await s3TestApp();
await app.listen({ host: '127.0.0.1', port: 18333 });
console.log('listening');

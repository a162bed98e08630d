import { useReviewApp } from '../helpers/review-fixtures';

/**
 * The review API (/api/review), on an app with two reviewers and an agent (test/helpers/review-fixtures.ts).
 * The review endpoints in the OpenAPI document.
 */

const { http } = useReviewApp();

describe('OpenAPI', () => {
  it('documents the review routes', async () => {
    const doc = (await http().get('/api/openapi.json').expect(200)).body;
    for (const path of [
      '/api/review/requests',
      '/api/review/requests/{id}',
      '/api/review/requests/{id}/approve',
      '/api/review/requests/{id}/reject',
      '/api/review/requests/{id}/ask',
      '/api/review/requests/{id}/claim',
      '/api/review/requests/{id}/release',
      '/api/review/requests/batch-approve',
      '/api/review/stats',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
  });
});

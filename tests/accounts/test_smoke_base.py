def test_home_redirects_an_agent_to_the_inbox(bob_client):
    response = bob_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/inbox/"

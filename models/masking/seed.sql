-- Fictional customers standing in for production data (models/masking/masking.xml).
INSERT INTO customers (id, given_name, family_name, email, phone, city, birthdate, vip) VALUES
  (1, 'Maria', 'Hoffmann', 'maria.hoffmann@example.com', '+49 30 5550101', 'Berlin', '1984-03-12', TRUE),
  (2, 'James', 'Carter', 'j.carter@example.org', '+1 212 555 0147', 'New York', '1979-11-02', FALSE),
  (3, 'Linh', 'Nguyen', 'linh.nguyen@example.net', '+84 28 5550 1923', 'Ho Chi Minh City', '1991-07-25', FALSE),
  (4, 'Oliver', 'Schmidt', 'oliver.schmidt@example.com', NULL, 'Hamburg', '1968-01-30', TRUE),
  (5, 'Emma', 'Johnson', 'emma.j@example.org', '+1 415 555 0190', 'San Francisco', '2001-05-17', FALSE),
  (6, 'Duc', 'Tran', 'duc.tran@example.net', '+84 24 5550 7781', 'Hanoi', NULL, FALSE),
  (7, 'Sophie', 'Weber', 'sophie.weber@example.com', '+49 89 5550177', 'Munich', '1995-09-09', TRUE),
  (8, 'Noah', 'Williams', 'noah.williams@example.org', '+1 312 555 0112', 'Chicago', '1988-12-24', FALSE),
  (9, 'Hanna', 'Becker', 'hanna.becker@example.com', '+49 221 5550139', 'Cologne', '1973-04-05', FALSE),
  (10, 'Mai', 'Pham', 'mai.pham@example.net', NULL, 'Da Nang', '1999-02-14', TRUE),
  (11, 'Liam', 'Brown', 'liam.brown@example.org', '+1 617 555 0165', 'Boston', '1965-08-21', FALSE),
  (12, 'Lena', 'Fischer', 'lena.fischer@example.com', '+49 40 5550152', 'Hamburg', '1982-10-03', FALSE);
